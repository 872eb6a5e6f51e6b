"""Fetch the JavaScript the offline book serves itself (require.js, the ipywidgets manager,
MathJax 3) from the npm registry, check each tarball's sha512 integrity, and copy only the
files the pages use into ``_static_vendor/_vendor/`` (gitignored; _config.yml publishes it
with ``html_extra_path``, so the book's pages load ``<book>/_vendor/...`` and no CDN).

The pinned versions, integrities and file lists are in scripts/vendor-assets.json.
Usage: python scripts/fetch_assets.py [--force]

Needs ``npm`` (``npm pack`` downloads through npm's own registry settings and cache).
Running it again does nothing when the folder already matches the lock file.
"""
import base64
import fnmatch
import hashlib
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCK = Path(__file__).resolve().parent / "vendor-assets.json"
STAMP = ".vendor-assets.json"


def integrity(path):
    """npm's integrity string (``sha512-<base64>``) of a file."""
    digest = hashlib.sha512(Path(path).read_bytes()).digest()
    return "sha512-" + base64.b64encode(digest).decode()


def npm_pack(name, version, folder):
    """Download ``name@version``'s tarball into ``folder`` with npm; return its path."""
    if shutil.which("npm") is None:
        sys.exit("fetch_assets: npm is not installed (Debian: apt-get install -y npm)")
    result = subprocess.run(
        ["npm", "pack", f"{name}@{version}", "--json", "--pack-destination", str(folder)],
        capture_output=True, text=True, cwd=folder)
    if result.returncode != 0:
        sys.exit(f"fetch_assets: npm pack {name}@{version} failed:\n{result.stderr}")
    return Path(folder) / json.loads(result.stdout)[0]["filename"]


def select(members, pattern, target):
    """Yield ``(member, destination)`` for tarball members matching one file rule.

    ``pattern`` is a path inside the package (``*`` allowed in the file name); ``target``
    ending in "/" is a folder keeping the file names, otherwise the destination file.
    """
    for member in members:
        if not member.isfile():
            continue
        inside = member.name.split("/", 1)[1]  # strip the tarball's "package/" prefix
        if inside.count("/") != pattern.count("/") or not fnmatch.fnmatch(inside, pattern):
            continue  # '*' never crosses a folder
        yield member, (target + inside.rsplit("/", 1)[-1] if target.endswith("/") else target)


def install(package, tarball, destination):
    """Check the tarball against the lock and copy the selected files; return their count."""
    got = integrity(tarball)
    if got != package["integrity"]:
        sys.exit(f"fetch_assets: integrity of {package['name']}@{package['version']}: "
                 f"expected {package['integrity']}, got {got}")
    count = 0
    with tarfile.open(tarball, "r:gz") as tar:
        members = tar.getmembers()
        for pattern, target in package["files"].items():
            matched = list(select(members, pattern, target))
            if not matched:
                sys.exit(f"fetch_assets: {package['name']}: no file matches {pattern!r}")
            for member, relative in matched:
                out = destination / relative
                out.parent.mkdir(parents=True, exist_ok=True)
                out.write_bytes(tar.extractfile(member).read())
                count += 1
    return count


def main(argv):
    lock = json.loads(LOCK.read_text())
    destination = ROOT / lock["destination"]
    stamp = destination / STAMP
    if "--force" not in argv and stamp.is_file() and stamp.read_text() == LOCK.read_text():
        print(f"fetch_assets: {destination.relative_to(ROOT)} is up to date")
        return
    if destination.exists():
        shutil.rmtree(destination)
    destination.mkdir(parents=True)
    with tempfile.TemporaryDirectory() as tmp:
        for package in lock["packages"]:
            tarball = npm_pack(package["name"], package["version"], tmp)
            count = install(package, tarball, destination)
            print(f"fetch_assets: {package['name']}@{package['version']}: {count} files")
    stamp.write_text(LOCK.read_text())


if __name__ == "__main__":
    main(sys.argv[1:])
