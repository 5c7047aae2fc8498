"""The site's page weights: each page with the CSS and JS it loads, as transferred (gzipped, as CloudFront
sends them) and uncompressed."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

from bench.figures import Figure, Section

# What a page may weigh as transferred: its HTML, CSS and JS, compressed as CloudFront sends them.
PAGE_BUDGET = 30_000
_ASSET = re.compile(r'(?:src|href)="/?((?:css|js)/[^"]+)"')
_IMPORT = re.compile(r'^import [^;]*? from "\./([^"]+)";', re.MULTILINE)


def page_files(site: Path, page: Path) -> list[Path]:
    """The page, the files it references, and the modules its scripts import (statically)."""
    found = [page, *(site / asset for asset in sorted(set(_ASSET.findall(page.read_text(encoding="utf-8")))))]
    for path in found:
        if path.suffix == ".js" and path.is_file():
            found += [
                m
                for m in (path.parent / name for name in _IMPORT.findall(path.read_text("utf-8")))
                if m not in found
            ]
    return [path for path in found if path.is_file()]


def measure(site: Path) -> Section:
    figures = []
    lines = ["| page | files | bytes | gzipped |", "|---|---|---|---|"]
    for page in sorted(site.glob("*.html")):
        files = page_files(site, page)
        raw = sum(path.stat().st_size for path in files)
        zipped = sum(len(gzip.compress(path.read_bytes(), compresslevel=9)) for path in files)
        figures.append(Figure(f"pages.{page.stem}", f"page {page.name}, with its CSS and JS", raw, "bytes"))
        figures.append(
            Figure(
                f"pages.{page.stem}.gzip", f"page {page.name}, as transferred", zipped, "bytes", PAGE_BUDGET
            )
        )
        names = ", ".join(f"`{path.relative_to(site).as_posix()}`" for path in files)
        lines.append(f"| {page.name} | {names} | {raw:,} | {zipped:,} |")
    return Section(
        "Page weights",
        tuple(figures),
        (
            "Each HTML page plus the CSS and JS files it loads (the modules its scripts import "
            "included), uncompressed and gzipped file by file as CloudFront sends them; the budget "
            f"({PAGE_BUDGET:,} bytes) is on what is transferred.",
            "",
            *lines,
        ),
    )
