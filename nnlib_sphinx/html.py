"""The static twin's HTML: real form controls, one <img> and a few lines of inline JavaScript.

The frames are PNG files named ``frame-<index>.png`` in one folder per explorer; ``index`` is
the position in :meth:`nnlib.explore.explorer.Explorer.grid` (last control varying fastest). Sliders
are ``<input type=range>`` over value *positions* 0..n-1 (so no float rounding in the
browser) with ``aria-valuetext`` and an ``<output>`` showing the real value.
"""
import html
import json

SCRIPT = """\
(function (root) {
  var spec = JSON.parse(root.getAttribute("data-spec"));
  var base = root.getAttribute("data-frames");
  var img = root.querySelector("img.nnlib-explorer-frame");
  var inputs = spec.controls.map(function (c) {
    return root.querySelector("[data-control='" + c.name + "']");
  });
  function update() {
    var index = 0, parts = [];
    spec.controls.forEach(function (c, k) {
      var i = Number(inputs[k].value);
      index = index * c.labels.length + i;
      parts.push(c.label + " = " + c.labels[i]);
      if (c.type === "slider") {
        inputs[k].setAttribute("aria-valuetext", c.labels[i]);
        root.querySelector("output[for='" + inputs[k].id + "']").textContent = c.labels[i];
      }
    });
    var src = base + "frame-" + index + ".png";
    if (img.getAttribute("src") !== src) { img.setAttribute("src", src); }
    img.alt = (spec.title || "Figure") + " for " + parts.join(", ");
  }
  inputs.forEach(function (el) {
    el.addEventListener("input", update);
    el.addEventListener("change", update);
  });
  update();
})(document.getElementById("%(dom_id)s"));
"""


def page_spec(explorer):
    """The part of the spec the page's script needs: labels and value labels per control."""
    return {
        "title": explorer.title,
        "controls": [
            {"type": c.spec()["type"], "name": c.name, "label": c.label or c.name,
             "values": c.values(), "labels": [str(v) for v in c.values()]}
            for c in explorer.controls
        ],
    }


def _slider(dom_id, control):
    values = control.values()
    i = control.default_index
    return (
        f'<label for="{dom_id}">{html.escape(control.label or control.name)}</label>'
        f'<input type="range" id="{dom_id}" data-control="{control.name}" '
        f'min="0" max="{len(values) - 1}" step="1" value="{i}" '
        f'aria-valuetext="{html.escape(str(values[i]))}">'
        f'<output for="{dom_id}">{html.escape(str(values[i]))}</output>'
    )


def _dropdown(dom_id, control):
    options = "".join(
        f'<option value="{k}"{" selected" if k == control.default_index else ""}>'
        f'{html.escape(str(v))}</option>'
        for k, v in enumerate(control.values())
    )
    return (
        f'<label for="{dom_id}">{html.escape(control.label or control.name)}</label>'
        f'<select id="{dom_id}" data-control="{control.name}">{options}</select>'
    )


def static_html(explorer, dom_id, frames_url, size):
    """HTML of one static explorer.

    ``frames_url``: URL of the frames' folder relative to the page, ending in "/";
    ``size``: (width, height) of the frames in pixels.
    """
    rows = []
    for control in explorer.controls:
        cid = f"{dom_id}-{control.name}"
        widget = _slider(cid, control) if control.spec()["type"] == "slider" \
            else _dropdown(cid, control)
        rows.append(f'<div class="nnlib-explorer-control">{widget}</div>')
    defaults = explorer.defaults()
    src = f"{frames_url}frame-{explorer.frame_index(defaults)}.png"
    spec = html.escape(json.dumps(page_spec(explorer), separators=(",", ":")), quote=True)
    title = (f'<p class="nnlib-explorer-title">{html.escape(explorer.title)}</p>'
             if explorer.title else "")
    width, height = size
    return (
        f'<div class="nnlib-explorer" id="{dom_id}" data-frames="{html.escape(frames_url)}" '
        f'data-spec="{spec}">{title}'
        f'<form class="nnlib-explorer-controls" onsubmit="return false">{"".join(rows)}</form>'
        f'<img class="nnlib-explorer-frame" src="{html.escape(src)}" width="{width}" '
        f'height="{height}" alt="{html.escape(explorer.alt_text(defaults))}" decoding="async">'
        f'</div>\n<script>{SCRIPT % {"dom_id": dom_id}}</script>'
    )
