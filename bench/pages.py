"""The site's page weights: each page with the CSS and JS it references, as sent and gzipped."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

from bench.figures import Figure, Section

PAGE_BUDGET = 30 * 1024
_ASSET = re.compile(r'(?:src|href)="/?((?:css|js)/[^"]+)"')


def page_files(site: Path, page: Path) -> list[Path]:
    assets = sorted(set(_ASSET.findall(page.read_text(encoding="utf-8"))))
    return [page, *(site / asset for asset in assets if (site / asset).is_file())]


def measure(site: Path) -> Section:
    figures = []
    lines = ["| page | files | bytes | gzipped |", "|---|---|---|---|"]
    for page in sorted(site.glob("*.html")):
        files = page_files(site, page)
        raw = sum(path.stat().st_size for path in files)
        zipped = sum(len(gzip.compress(path.read_bytes(), compresslevel=9)) for path in files)
        figures.append(
            Figure(f"pages.{page.stem}", f"page {page.name}, with its CSS and JS", raw, "bytes", PAGE_BUDGET)
        )
        figures.append(Figure(f"pages.{page.stem}.gzip", f"page {page.name}, gzipped", zipped, "bytes"))
        names = ", ".join(f"`{path.relative_to(site).as_posix()}`" for path in files)
        lines.append(f"| {page.name} | {names} | {raw:,} | {zipped:,} |")
    return Section(
        "Page weights",
        tuple(figures),
        (
            "Each HTML page plus the CSS and JS files it references, uncompressed (budget 30 KiB) "
            "and gzipped file by file (as CloudFront compresses them).",
            "",
            *lines,
        ),
    )
