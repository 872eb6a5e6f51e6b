"""Sphinx extension for the book: static twins of nnlib explorers, and a lighter page.

Two halves, both needed (see CONTRIBUTING.md, "How to add an explorer"):

* :class:`ExplorerMimeRenderer`, registered with myst-nb through the entry point group
  ``myst_nb.mime_renderers`` (pyproject.toml). For HTML builders it takes the notebook output
  of MIME type ``application/vnd.nnlib.explorer+json`` (a small JSON spec written by
  ``nnlib.explore.explorer``) ahead of the widget view, records the spec in the build environment and
  emits the static controls (``nnlib_sphinx.html``).
* this extension (``sphinx: extra_extensions: [nnlib_sphinx]`` in _config.yml), which renders
  every recorded explorer's frames into ``<outdir>/_explorers/<spec id>/frame-<i>.png`` when
  the HTML is written (skipped when nothing changed), adds a small stylesheet, and drops the
  3.6 MB ipywidgets manager from pages that show no live widget.
"""
import hashlib
import json
import multiprocessing
import os
import shutil
from concurrent.futures import ProcessPoolExecutor
from importlib import metadata
from pathlib import Path

from docutils import nodes
from sphinx.errors import ExtensionError
from sphinx.util import logging
from sphinx.util.osutil import relative_uri

__version__ = "0.1.0"

MIME_TYPE = "application/vnd.nnlib.explorer+json"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
FRAMES_DIR = "_explorers"
ENTRY_POINT_GROUP = "myst_nb.mime_renderers"
STATIC = Path(__file__).parent / "static"

logger = logging.getLogger(__name__)


# --------------------------------------------------------------------------- myst-nb plugin
class ExplorerMimeRenderer:
    """myst-nb MimeRenderPlugin: an explorer spec -> static controls (HTML builders only)."""

    # html-like builders prefer the explorer over the widget view (priority 10)
    mime_priority_overrides = [
        (builder, MIME_TYPE, 1)
        for builder in ("html", "dirhtml", "singlehtml", "readthedocs", "readthedocsdirhtml")
    ]

    @staticmethod
    def handle_mime(renderer, data, inline):
        if data.mime_type != MIME_TYPE:
            return None
        env = getattr(renderer.renderer, "sphinx_env", None)
        if env is None or not hasattr(env, "nnlib_explorers"):
            return None  # docutils-only build, or the extension is not loaded
        try:
            explorer, size = _load(data.content)
        except Exception as error:  # noqa: BLE001 - reported as a build warning
            renderer.logger.warning(f"nnlib explorer: cannot build its static twin: {error}",
                                    subtype="explorer", line=data.line)
            return []
        return [nodes.raw("", _record(env, explorer, size), format="html")]


def _load(spec):
    """Explorer from a notebook's spec, plus the pixel size of its first frame."""
    from nnlib.explore.explorer import from_spec
    import struct

    explorer = from_spec(spec if isinstance(spec, dict) else json.loads(spec))
    png = explorer.render()
    width, height = struct.unpack(">II", png[16:24])  # the PNG IHDR chunk
    return explorer, (width, height)


def _record(env, explorer, size):
    """Remember the explorer for the write phase; return its HTML for the current page."""
    from nnlib_sphinx.html import static_html

    docname = env.docname
    page = env.nnlib_explorers.setdefault(docname, {})
    spec_id = explorer.spec_id()
    page[spec_id] = explorer.spec()
    dom_id = f"nnlib-explorer-{spec_id}-{len(env.nnlib_explorer_ids.setdefault(docname, []))}"
    env.nnlib_explorer_ids[docname].append(dom_id)
    target = env.app.builder.get_target_uri(docname)
    frames_url = relative_uri(target, f"{FRAMES_DIR}/{spec_id}/")
    return static_html(explorer, dom_id, frames_url, size)


# --------------------------------------------------------------------------- environment
def _init_env(app, env, docnames):
    if not hasattr(env, "nnlib_explorers"):
        env.nnlib_explorers = {}
    env.nnlib_explorer_ids = {}


def _purge_doc(app, env, docname):
    getattr(env, "nnlib_explorers", {}).pop(docname, None)
    getattr(env, "nnlib_explorer_ids", {}).pop(docname, None)


def _merge_info(app, env, docnames, other):
    for docname in docnames:
        if docname in getattr(other, "nnlib_explorers", {}):
            env.nnlib_explorers[docname] = other.nnlib_explorers[docname]


def _drop_unused_widget_manager(app, doctree, docname):
    """myst-nb loads require.js + the widget manager (3.6 MB) on every page of a notebook
    with saved widget state; keep them only where a widget view is actually shown.

    Runs on doctree-resolved: only then has myst-nb picked one MIME type per output (before,
    the doctree still holds the explorer's widget view next to its static twin).
    """
    data = getattr(app.env, "nb_metadata", {}).get(docname, {})
    js_files = data.get("js_files", {})
    if not any(k.startswith("ipywidgets") for k in js_files):
        return
    if not any(WIDGET_VIEW in node.astext() for node in doctree.findall(nodes.raw)):
        for key in [k for k in js_files if k.startswith("ipywidgets")]:
            del js_files[key]


def _dedupe_scripts(app, pagename, templatename, context, doctree):
    """Drop repeated <script> entries from a page.

    Under Jupyter Book 1, sphinx-thebe registers its inline config (``const THEBE_JS_URL =
    ...``) twice (once with filename None, once with ""), and the second copy is a
    SyntaxError in the console (redeclared const).
    """
    seen, unique = set(), []
    for script in context.get("script_files", []):
        key = (getattr(script, "filename", script) or "",
               tuple(sorted(getattr(script, "attributes", {}).items())))
        if key not in seen:
            seen.add(key)
            unique.append(script)
    context["script_files"] = unique


# --------------------------------------------------------------------------- frames
def _fingerprint(spec):
    """Changes when the spec, nnlib's code or matplotlib's or Pillow's version changes."""
    import matplotlib
    import PIL
    import nnlib

    digest = hashlib.sha256(json.dumps(spec, sort_keys=True).encode())
    digest.update(matplotlib.__version__.encode() + b"/" + PIL.__version__.encode())
    for path in sorted(Path(nnlib.__file__).parent.rglob("*.py")):
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()


def _render_frames(spec, folder, indices):
    """Worker: write ``frame-<i>.png`` for the given grid positions; return how many."""
    from nnlib.explore.explorer import from_spec

    explorer = from_spec(spec)
    grid = explorer.grid()
    for i in indices:
        (Path(folder) / f"frame-{i}.png").write_bytes(explorer.render(grid[i]))
    return len(indices)


def _write_frames(folder, spec, jobs):
    """Render every frame of ``spec`` into ``folder`` unless its manifest is current.

    Frames are independent, so ``jobs`` processes share them (forked, where available).
    """
    from nnlib.explore.explorer import from_spec

    manifest = folder / "manifest.json"
    fingerprint = _fingerprint(spec)
    if manifest.is_file() and json.loads(manifest.read_text()).get("fingerprint") == fingerprint:
        return 0
    n_frames = len(from_spec(spec))
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    jobs = max(1, min(jobs, n_frames))
    if jobs == 1 or "fork" not in multiprocessing.get_all_start_methods():
        count = _render_frames(spec, folder, range(n_frames))
    else:
        # consecutive frames to each worker: frames that share a slow step (a training run
        # cached by the figure function, the last control varying fastest) stay in one process
        size = -(-n_frames // jobs)
        chunks = [range(k * size, min(n_frames, (k + 1) * size)) for k in range(jobs)]
        pool = ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("fork"))
        with pool:
            count = sum(pool.map(_render_frames, [spec] * jobs, [folder] * jobs, chunks))
    manifest.write_text(json.dumps({"fingerprint": fingerprint, "frames": count,
                                    "spec": spec}, indent=1))
    return count


def _collect_pages(app):
    """html-collect-pages: write the frames of every explorer of the book (yields no page)."""
    root = Path(app.outdir) / FRAMES_DIR
    specs = {}
    for page in getattr(app.env, "nnlib_explorers", {}).values():
        specs.update(page)
    for spec_id, spec in sorted(specs.items()):
        try:
            written = _write_frames(root / spec_id, spec, app.config.nnlib_explorer_jobs)
        except Exception as error:  # noqa: BLE001 - reported as a build warning
            logger.warning(f"nnlib explorer {spec.get('function')}: frames failed: {error}",
                           type="nnlib", subtype="explorer")
            continue
        if written:
            logger.info(f"nnlib explorer {spec['function']}: {written} frames -> "
                        f"{FRAMES_DIR}/{spec_id}/")
    if root.is_dir():
        for stale in root.iterdir():
            if stale.name not in specs:
                shutil.rmtree(stale)
    return []


# --------------------------------------------------------------------------- setup
def _check_plugin(app, config):
    """Fail early with a clear message if myst-nb cannot see ExplorerMimeRenderer."""
    from myst_nb.core.render import load_mime_renders

    if ExplorerMimeRenderer not in load_mime_renders():
        names = [ep.value for ep in metadata.entry_points(group=ENTRY_POINT_GROUP)]
        raise ExtensionError(
            "nnlib_sphinx: myst-nb has no 'nnlib_sphinx:ExplorerMimeRenderer' mime renderer "
            f"(entry points in {ENTRY_POINT_GROUP}: {names}). Reinstall the project with "
            "'pip install -e .' so that pyproject.toml's entry point is registered.")
    config.html_static_path.append(str(STATIC))


def setup(app):
    app.connect("config-inited", _check_plugin)
    app.connect("env-before-read-docs", _init_env)
    app.connect("env-purge-doc", _purge_doc)
    app.connect("env-merge-info", _merge_info)
    app.connect("doctree-resolved", _drop_unused_widget_manager)
    app.connect("html-collect-pages", _collect_pages)
    app.connect("html-page-context", _dedupe_scripts, priority=900)
    app.add_css_file("nnlib-explorer.css")
    app.add_js_file("nnlib-book.js")
    app.add_config_value("nnlib_explorer_jobs", os.cpu_count() or 1, "env", [int])
    return {"version": __version__, "parallel_read_safe": True, "parallel_write_safe": True,
            "env_version": 1}
