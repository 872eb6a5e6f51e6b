"""Paths and settings shared by the browser tests and their fixtures.

Environment: NNLIB_BOOK_SOURCE (folder holding _toc.yml, default: the repository),
NNLIB_BOOK_HTML (default: <source>/_build/html), CHROMIUM (default: /usr/bin/chromium).
"""
import os
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
SOURCE = Path(os.environ.get("NNLIB_BOOK_SOURCE", REPO))
HTML = Path(os.environ.get("NNLIB_BOOK_HTML", SOURCE / "_build" / "html"))
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = REPO / "test-artifacts"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def toc_pages(source=SOURCE):
    """Document names of the book in reading order, from _toc.yml (jb-book format)."""
    toc = yaml.safe_load((source / "_toc.yml").read_text())
    pages = [toc["root"]]

    def walk(entries):
        for entry in entries or []:
            if "file" in entry:
                pages.append(entry["file"])
            walk(entry.get("sections"))
            walk(entry.get("chapters"))

    for part in toc.get("parts", []):
        walk(part.get("chapters"))
    walk(toc.get("chapters"))
    return [str(Path(p).with_suffix("")) for p in pages]
