"""The published book in a real browser: offline, error-free, searchable, math typeset,
every static explorer answering its controls, previous/next walking the whole book."""
import gzip
import json
import math
from urllib.parse import unquote, urlsplit

import pytest

from browser_support import ARTIFACTS, HTML, toc_pages

PAGES = toc_pages()
MAX_PAGE_BYTES = 3_000_000


def pages_containing(marker):
    """Pages of the toc whose built HTML contains ``marker`` (missing pages fail elsewhere)."""
    built = [p for p in PAGES if (HTML / f"{p}.html").is_file()]
    return [p for p in built if marker in (HTML / f"{p}.html").read_text(encoding="utf-8")]


def open_page(page, url):
    page.goto(url, wait_until="networkidle")
    return page


def page_weight(urls):
    """(raw, gzipped) bytes of the distinct book files a page loaded.

    gzipped: what a static host that compresses text (GitHub Pages, nginx) sends.
    """
    raw = packed = 0
    for path in {unquote(urlsplit(u).path) for u in urls}:
        file = HTML / path.lstrip("/")
        file = file / "index.html" if file.is_dir() else file
        if file.is_file():
            data = file.read_bytes()
            raw += len(data)
            packed += min(len(data), len(gzip.compress(data, 6)))
    return raw, packed


@pytest.fixture(scope="module")
def weights():
    table = {}
    yield table
    ARTIFACTS.mkdir(exist_ok=True)
    lines = [f"{name}\t{raw}\t{packed}" for name, (raw, packed) in sorted(table.items())]
    (ARTIFACTS / "page-weights.tsv").write_text("page\tbytes\tgzipped\n" + "\n".join(lines))


@pytest.mark.parametrize("docname", PAGES)
def test_page_loads_offline_without_errors(page, book_url, docname, weights):
    assert (HTML / f"{docname}.html").is_file(), f"{docname} is in _toc.yml but was not built"
    open_page(page, book_url + f"{docname}.html")
    page.wait_for_timeout(300)  # late errors (MathJax, the widget manager) surface here
    assert page.log.outside == [], "requests left the machine"
    assert page.log.errors == []
    assert page.title()
    no_alt = page.evaluate("""() => [...document.querySelectorAll('main img')]
        .filter(img => !img.alt.trim() || /\\.(png|jpe?g|svg)$/.test(img.alt))
        .map(img => img.getAttribute('src'))""")
    assert no_alt == [], "figures without alt text"
    weights[docname] = raw, packed = page_weight(page.log.local)
    assert packed < MAX_PAGE_BYTES, f"{docname} weighs {packed} bytes gzipped ({raw} raw)"


def test_math_is_typeset(page, book_url):
    with_math = pages_containing('class="math')
    assert with_math, "no page of the book has math"
    open_page(page, book_url + f"{with_math[0]}.html")
    page.wait_for_selector("mjx-container", state="attached")
    assert page.locator("mjx-container").count() >= 1
    assert page.locator("mjx-merror").count() == 0, "MathJax reported a TeX error"
    assert page.log.errors == [] and page.log.outside == []


def test_search_finds_sigmoid(page, book_url):
    open_page(page, book_url + "search.html?q=sigmoid")
    results = page.locator("#search-results ul.search li")
    results.first.wait_for()
    assert results.count() >= 1
    assert page.log.errors == [] and page.log.outside == []


def test_previous_next_walk_the_whole_book(page, book_url):
    open_page(page, book_url + f"{PAGES[0]}.html")
    visited = [PAGES[0]]
    for _ in range(len(PAGES) + 5):
        link = page.locator("a.right-next")
        if link.count() == 0:
            break
        link.first.click()
        page.wait_for_load_state()
        visited.append(page.url[len(book_url):].split("#")[0].removesuffix(".html"))
    assert visited == PAGES
    # and back again
    for expected in reversed(PAGES[:-1]):
        page.locator("a.left-prev").first.click()
        page.wait_for_load_state()
        assert page.url[len(book_url):].removesuffix(".html") == expected


EXPLORER_PAGES = pages_containing('class="nnlib-explorer"')


def expected_frame(spec, positions):
    """Frame index for control positions: product order, the last control fastest."""
    index = 0
    for control, position in zip(spec["controls"], positions):
        index = index * len(control["values"]) + position
    return index


def frame_state(explorer):
    return explorer.evaluate("""root => {
        const img = root.querySelector('img.nnlib-explorer-frame');
        return {src: img.getAttribute('src'), alt: img.alt,
                loaded: img.complete && img.naturalWidth > 0};
    }""")


def set_control(control, position):
    control.evaluate("""(el, value) => {
        el.value = String(value);
        el.dispatchEvent(new Event('input', {bubbles: true}));
        el.dispatchEvent(new Event('change', {bubbles: true}));
    }""", position)


def wait_loaded(explorer):
    explorer.page.wait_for_function(
        "root => { const i = root.querySelector('img.nnlib-explorer-frame');"
        " return i.complete && i.naturalWidth > 0; }", arg=explorer.element_handle())


def test_the_book_has_static_explorers():
    assert EXPLORER_PAGES, "no page of the book shows a static explorer"


@pytest.mark.parametrize("docname", EXPLORER_PAGES)
def test_static_explorers_follow_their_controls(page, book_url, docname):
    open_page(page, book_url + f"{docname}.html")
    explorers = page.locator("div.nnlib-explorer")
    assert explorers.count() >= 1
    for n in range(explorers.count()):
        explorer = explorers.nth(n)
        spec = json.loads(explorer.get_attribute("data-spec"))
        base = explorer.get_attribute("data-frames")
        n_frames = math.prod(len(c["values"]) for c in spec["controls"])
        controls = [explorer.locator(f"[data-control='{c['name']}']") for c in spec["controls"]]
        positions = [int(c.input_value()) for c in controls]
        wait_loaded(explorer)
        assert frame_state(explorer)["src"] == f"{base}frame-{expected_frame(spec, positions)}.png"
        for k, control in enumerate(controls):
            label = page.locator(f"label[for='{control.get_attribute('id')}']")
            assert label.inner_text().strip() == spec["controls"][k]["label"]
            for position in range(len(spec["controls"][k]["values"])):
                set_control(control, position)
                positions[k] = position
                index = expected_frame(spec, positions)
                assert 0 <= index < n_frames
                state = frame_state(explorer)
                assert state["src"] == f"{base}frame-{index}.png"
                assert spec["controls"][k]["labels"][position] in state["alt"]
                wait_loaded(explorer)
    assert page.log.errors == [] and page.log.outside == []


@pytest.mark.parametrize("docname", EXPLORER_PAGES[:1])
def test_static_explorer_slider_works_from_the_keyboard(page, book_url, docname):
    open_page(page, book_url + f"{docname}.html")
    explorer = page.locator("div.nnlib-explorer").first
    spec = json.loads(explorer.get_attribute("data-spec"))
    k = next(i for i, c in enumerate(spec["controls"]) if c["type"] == "slider")
    slider = explorer.locator(f"[data-control='{spec['controls'][k]['name']}']")
    start = int(slider.input_value())
    key = "ArrowLeft" if start == len(spec["controls"][k]["values"]) - 1 else "ArrowRight"
    before = frame_state(explorer)["src"]
    slider.focus()
    page.keyboard.press(key)
    moved = start + (1 if key == "ArrowRight" else -1)
    assert int(slider.input_value()) == moved
    assert frame_state(explorer)["src"] != before
    assert slider.get_attribute("aria-valuetext") == spec["controls"][k]["labels"][moved]
    wait_loaded(explorer)


def test_saved_widgets_render_from_local_files(page, book_url):
    """Pages with saved ipywidgets (not explorers) show them with the vendored manager."""
    marker = '<script type="application/vnd.jupyter.widget-view+json">'
    for docname in pages_containing(marker):
        views = (HTML / f"{docname}.html").read_text(encoding="utf-8").count(marker)
        open_page(page, book_url + f"{docname}.html")
        page.wait_for_function(f"document.querySelectorAll('.jupyter-widgets.widget-container,"
                               f" .jupyter-widgets.widget-inline-hbox').length >= {views}")
        # the manager's icon fonts load from the vendored copy (a browser fetches a font only
        # when text needs it, so ask for it: a 404 would reject the promise and be logged)
        faces = page.evaluate("""async () => {
            const fonts = ['900 16px "Font Awesome 5 Free"', '400 16px "Font Awesome 5 Free"'];
            const loaded = await Promise.all(fonts.map(f => document.fonts.load(f, '\\uf00c')));
            return loaded.map(faces => faces.filter(face => face.status === 'loaded').length);
        }""")
        assert all(n >= 1 for n in faces), f"{docname}: icon fonts did not load ({faces})"
        assert page.log.errors == [] and page.log.outside == [], docname


def test_menu_button_opens_the_navigation_on_a_phone(page, book_url):
    page.set_viewport_size({"width": 400, "height": 800})
    open_page(page, book_url + f"{PAGES[1]}.html")
    assert page.evaluate("document.documentElement.scrollWidth") <= 400, "the page scrolls sideways"
    page.locator("button.primary-toggle:visible").first.click()
    page.wait_for_function("document.getElementById('pst-primary-sidebar-modal').open")
    assert page.locator("#pst-primary-sidebar-modal a.reference").first.is_visible()
    assert page.log.errors == [] and page.log.outside == []
