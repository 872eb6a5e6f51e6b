"""The live twin: in JupyterLab, after Run All, an explorer's slider redraws its figure.

The notebook (NNLIB_LAB_NOTEBOOK, default notebooks/02_neurons.ipynb) is copied to a
temporary folder first, so JupyterLab's autosave never touches the repository's copy.
"""
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from browser_support import REPO

NOTEBOOK = Path(os.environ.get("NNLIB_LAB_NOTEBOOK", REPO / "notebooks" / "02_neurons.ipynb"))
# the explorer's outer VBox: its sliders and its Output widget's image
EXPLORER = ".jp-OutputArea-output .widget-vbox:has(.noUi-handle):has(img)"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """A JupyterLab server on a free port, serving a copy of the notebook; yields its URL."""
    root = tmp_path_factory.mktemp("lab")
    shutil.copy(NOTEBOOK, root / NOTEBOOK.name)
    news = root / ".settings" / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings"
    news.parent.mkdir(parents=True)
    news.write_text('{"fetchNews": "false"}')  # no "get Jupyter news?" toast, no request
    port, token = free_port(), secrets.token_hex(16)
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(root / ".config"),
               JUPYTER_RUNTIME_DIR=str(root / ".runtime"))
    log = open(root / "lab.log", "w")
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--ip=127.0.0.1",
         f"--port={port}", f"--IdentityProvider.token={token}",
         f"--ServerApp.root_dir={root}", "--LabApp.news_url=",
         "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
         f"--LabApp.workspaces_dir={root / '.workspaces'}",
         f"--LabApp.user_settings_dir={root / '.settings'}",
         "--LabApp.extension_manager=readonly"]
        + (["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []),
        cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2)
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"JupyterLab did not start:\n{(root / 'lab.log').read_text()}")
                time.sleep(0.5)
        yield f"{base}/lab/tree/{NOTEBOOK.name}?token={token}"
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


def test_live_explorer_redraws_when_its_slider_moves(page, lab):
    page.set_default_timeout(30_000)
    page.goto(lab)
    page.locator(".jp-NotebookPanel").first.wait_for()
    select_kernel = page.locator(".jp-Dialog button", has_text="Select")
    try:  # JupyterLab may ask which kernel to start
        select_kernel.wait_for(timeout=5_000)
        select_kernel.click()
    except PlaywrightTimeout:
        pass
    page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']").wait_for()
    page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
    page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()

    explorer = page.locator(EXPLORER).first
    explorer.wait_for(timeout=120_000)
    image = explorer.locator("img").first
    before = image.get_attribute("src")
    assert before.startswith("data:image/png")

    handle = explorer.locator(".noUi-handle").first  # the first slider's knob
    at_max = handle.get_attribute("aria-valuenow") == handle.get_attribute("aria-valuemax")
    handle.focus()
    page.keyboard.press("ArrowLeft" if at_max else "ArrowRight")
    page.wait_for_function(
        "([root, before]) => { const img = root.querySelector('img');"
        " return img && img.getAttribute('src') !== before && img.naturalWidth > 0; }",
        arg=[explorer.element_handle(), before], timeout=30_000)
    assert page.log.outside == [], "JupyterLab's page left the machine"
