"""The static site's files as S3 objects: which files, under which keys, with which headers.

Every file under site/ is uploaded (hidden files aside), whatever the site holds today. A file type
this table does not know stops the deployment: a wrong Content-Type breaks pages silently.
"""

from __future__ import annotations

from pathlib import Path

import attrs

from definitions.site_settings import SITE_SETTINGS_FILE

# The pages' settings are generated for the stack (definitions/site_settings.py); a file of that name in
# site/ is never uploaded over them.
GENERATED_FILES = frozenset({SITE_SETTINGS_FILE})

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".map": "application/json",
    ".webmanifest": "application/manifest+json",
    ".txt": "text/plain; charset=utf-8",
    ".svg": "image/svg+xml",
    ".ico": "image/x-icon",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".avif": "image/avif",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
}
# Pages, settings, scripts and styles are revalidated on every visit: with no build step, file names
# carry no content hash, and a new page must never run with an old script. Images are kept an hour.
REVALIDATE = "no-cache"
ASSET_CACHE = "public, max-age=3600"
_REVALIDATED_TYPES = (".html", ".json", ".css", ".js")


@attrs.frozen
class SiteFile:
    key: str
    path: Path
    content_type: str
    cache_control: str


def site_files(site_dir: Path) -> list[SiteFile]:
    files = []
    for path in sorted(site_dir.rglob("*")):
        relative = path.relative_to(site_dir)
        if not path.is_file() or any(part.startswith(".") for part in relative.parts):
            continue
        key = relative.as_posix()
        if key in GENERATED_FILES:
            continue
        files.append(SiteFile(key, path, content_type(key), cache_control(key)))
    return files


def content_type(key: str) -> str:
    suffix = Path(key).suffix.lower()
    if suffix not in CONTENT_TYPES:
        raise ValueError(f"site/{key}: unknown file type {suffix or '(none)'}; add it to CONTENT_TYPES")
    return CONTENT_TYPES[suffix]


def cache_control(key: str) -> str:
    return REVALIDATE if Path(key).suffix.lower() in _REVALIDATED_TYPES else ASSET_CACHE
