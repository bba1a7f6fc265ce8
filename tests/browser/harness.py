"""Helpers for the browser tests (Voila + Debian's Chromium through Playwright).

Import them in a test module under tests/browser/:

    from harness import open_app, error_outputs, kernel_errors, snap

(tests/conftest.py puts this folder on sys.path, so that works whatever
pytest's import mode).  The fixtures themselves (voila, browser, page) live in
conftest.py, whose docstring is the guide.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
VOILA_CONFIGS = {
    "app": ROOT / "etc" / "voila" / "app",  # `make app`: culling, no preheat
    "class": ROOT / "etc" / "voila" / "class",  # `make serve-class`: + preheated kernels
}
CHROMIUM = os.environ.get("PRESSBOOK_CHROMIUM") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # Every host name fails at once (127.0.0.1 is no name): the tests never wait
    # on, or depend on, the internet (Voila's template links a CDN stylesheet).
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost",
]

# Voila has finished when its spinner is gone, every cell output has been
# rendered (Voila replaces each output's <script> with a renderer), and every
# widget renderer (an lm-Panel) holds its view: that needs the kernel
# connection, so the app is live.
_READY_JS = """() =>
  !document.getElementById('loading')
  && document.querySelectorAll('script[type="application/vnd.voila.cell-output+json"]').length === 0
  && ![...document.querySelectorAll('.jp-OutputArea-output.lm-Panel')].some(e => e.childElementCount === 0)
"""

READY_JS = _READY_JS  # for a test that navigates by itself (open_app waits for it)

_ERRORS_JS = """() => {
  const texts = [];
  for (const e of document.querySelectorAll(
      '[data-mime-type="application/vnd.jupyter.stderr"], [data-mime-type="application/vnd.jupyter.error"]'))
    texts.push(e.innerText.trim());
  for (const e of document.querySelectorAll('.jp-OutputArea-output'))
    if (e.innerText.trim().startsWith('Error displaying widget')) texts.push(e.innerText.trim());
  return texts;
}"""

_ANSI = re.compile(r"\x1b\[[0-9;]*m")


class PageRecord:
    """What a page saw besides its DOM: JS errors, console lines, kernel errors."""

    def __init__(self) -> None:
        self.page_errors: list[str] = []
        self.console: list[str] = []
        self.kernel_errors: list[str] = []


_RECORDS: dict[int, PageRecord] = {}


def watch(page) -> PageRecord:
    """Start recording a page's JS errors, console and kernel error messages.

    The `page` fixture calls this; call it yourself on pages you open with
    `browser.new_page()`, before `open_app`.
    """
    record = _RECORDS.setdefault(id(page), PageRecord())
    page.on("pageerror", lambda err: record.page_errors.append(str(err)))
    page.on("console", lambda msg: record.console.append(f"{msg.type}: {msg.text}"))

    def on_websocket(ws) -> None:
        if "/api/kernels/" in ws.url:
            ws.on("framereceived", lambda payload: _record_kernel_error(record, payload))

    page.on("websocket", on_websocket)
    return record


def record_of(page) -> PageRecord:
    return _RECORDS.setdefault(id(page), PageRecord())


def forget(page) -> None:
    _RECORDS.pop(id(page), None)


def _record_kernel_error(record: PageRecord, payload) -> None:
    """Keep the kernel's `error` messages (e.g. an exception in a widget callback,
    which Voila shows nowhere on the page)."""
    try:
        if isinstance(payload, str):  # legacy JSON websocket protocol
            msg = json.loads(payload)
            msg_type, content = msg["header"]["msg_type"], msg.get("content", {})
        else:  # v1.kernel.websocket.jupyter.org: offsets, channel, header, parent, metadata, content
            data = bytes(payload)
            if b'"error"' not in data:
                return
            n = int.from_bytes(data[:8], "little")
            offsets = [int.from_bytes(data[8 * (i + 1) : 8 * (i + 2)], "little") for i in range(n)]
            offsets.append(len(data))
            parts = [data[offsets[i] : offsets[i + 1]] for i in range(n)]
            msg_type = json.loads(parts[1])["msg_type"]
            content = json.loads(parts[4])
    except (ValueError, KeyError, IndexError, TypeError):
        return
    if msg_type == "error":
        traceback = _ANSI.sub("", "\n".join(content.get("traceback", [])))
        record.kernel_errors.append(
            f"{content.get('ename')}: {content.get('evalue')}\n{traceback}".strip()
        )


def open_app(page, url: str, timeout: float = 90_000):
    """Open a Voila URL and wait until the app is rendered and connected.

    Fails with the page's text if the server answers with an HTTP error.
    `timeout` is in milliseconds (generous: 2 cores shared by server and browser).
    Returns the page.
    """
    response = page.goto(url, timeout=timeout)
    if response is not None and response.status >= 400:
        raise AssertionError(
            f"GET {url} answered {response.status}:\n{page.inner_text('body')[:2000]}"
        )
    page.wait_for_function(_READY_JS, timeout=timeout, polling=100)
    return page


def error_outputs(page) -> list[str]:
    """Every error the app showed or raised; assert it is empty.

    - error/stderr output areas (a failing cell: Voila stops there and says
      "There was an error when executing cell [N]"; JavaScript render errors),
    - widgets that could not be displayed,
    - `error` messages from the kernel (exceptions in widget callbacks, which the
      page never shows; needs the `page` fixture or `watch(page)`),
    - uncaught JavaScript exceptions in the page.
    """
    record = record_of(page)
    texts = list(page.evaluate(_ERRORS_JS))
    texts += [f"kernel error: {e}" for e in record.kernel_errors]
    texts += [f"page error: {e}" for e in record.page_errors]
    return texts


def kernel_errors(page) -> list[str]:
    """Only the kernel's error messages (see `error_outputs`)."""
    return list(record_of(page).kernel_errors)


def artifacts_dir() -> Path:
    """test-artifacts/<current test>/ (created)."""
    current = os.environ.get("PYTEST_CURRENT_TEST", "no-test").rsplit(" (", 1)[0]
    path, _, test = current.partition("::")  # "tests/browser/test_x.py::test_y[id] (call)"
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", f"{Path(path).name}::{test}").strip("_")
    path = ARTIFACTS / name
    path.mkdir(parents=True, exist_ok=True)
    return path


def canvas_drawn(page) -> None:
    """At least one Bokeh canvas is visible and has a non-zero size (more than 50 x 50 px)."""
    from playwright.sync_api import expect

    canvas = page.locator("canvas").first
    expect(canvas).to_be_visible(timeout=30_000)
    box = canvas.bounding_box()
    assert box is not None and box["width"] > 50 and box["height"] > 50


#: Every Bokeh figure of the page drawn (page JavaScript): {version, documents, models (per document), plots (Plot
#: models in all documents), drawn (plots whose canvas shows something besides its background)}. Bokeh 3 draws in
#: shadow DOM, so the canvases are found by walking the shadow roots; a plot's main canvas counts as drawn when at
#: least ``MIN_INK`` of its pixels differ from its most common colour (the background): axes, labels, glyphs.
FIGURES_JS = """(minInk) => {
  if (window.Bokeh === undefined) return {version: null, documents: 0, models: [], plots: 0, drawn: 0};
  const canvases = [];
  const walk = (root) => { for (const e of root.querySelectorAll('*')) {
    if (e.tagName === 'CANVAS' && e.width > 50 && e.height > 50) canvases.push(e);
    if (e.shadowRoot) walk(e.shadowRoot); } };
  walk(document);
  let drawn = 0;
  for (const c of canvases) {
    const px = new Uint32Array(c.getContext('2d').getImageData(0, 0, c.width, c.height).data.buffer);
    const counts = new Map();
    for (const v of px) counts.set(v, (counts.get(v) || 0) + 1);
    if (px.length - Math.max(...counts.values()) >= minInk) drawn++;
  }
  const docs = Bokeh.documents;
  return {version: Bokeh.version, documents: docs.length, models: docs.map((d) => d.all_models.size),
          plots: docs.reduce((n, d) => n + [...d.all_models].filter((m) => m.type === 'Figure'
                                                                          || m.type === 'Plot').length, 0),
          drawn: drawn};
}"""
MIN_INK = 500  # pixels; the designer's emptiest plot (axes and labels only) has several thousand


def figures(page) -> dict:
    """What ``FIGURES_JS`` finds in ``page``: BokehJS's documents, their models, the plots and how many are drawn."""
    return page.evaluate(FIGURES_JS, MIN_INK)


def wait_figures_drawn(page, timeout: float = 60_000) -> dict:
    """Wait until BokehJS has documents and every plot in them is drawn (``FIGURES_JS``); return ``figures(page)``
    (also on timeout, for the test's message)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        page.wait_for_function(f"(ink) => {{ const f = ({FIGURES_JS})(ink); return f.plots > 0 && f.drawn >= f.plots; }}",
                               arg=MIN_INK, timeout=timeout, polling=500)
    except PlaywrightTimeout:
        pass
    return figures(page)


def snap(page, name: str, full_page: bool = True) -> Path:
    """Save a screenshot to test-artifacts/<current test>/<name>.png; return its path."""
    path = artifacts_dir() / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


# ---------------------------------------------------------------- what the eye sees: colours, rings, names
#: WCAG 2 colour contrast in the page (JavaScript function declarations, put before a check's body):
#: ``rgba(css)``, ``ratio(c1, c2)`` (the contrast ratio, 1-21), ``background(el)`` (the first opaque background
#: from ``el`` up, white at the top) and ``ring(el)``: focus ``el`` and measure its focus ring
#: {width (px), contrast against the background around it}; a ring drawn as a box-shadow (slider handles)
#: counts from its last shadow's spread minus the one before.
COLOUR_JS = r"""
const rgba = (s) => { const m = (String(s).match(/[\d.]+/g) || []).map(Number);
  return m.length >= 3 ? [m[0], m[1], m[2], m.length > 3 ? m[3] : 1] : [0, 0, 0, 0]; };
const lum = (c) => { const f = (v) => { v /= 255; return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
  return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]); };
const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
const background = (el) => { for (let e = el; e; e = e.parentElement) {
  const c = rgba(getComputedStyle(e).backgroundColor); if (c[3] > 0.5) return c; } return [255, 255, 255, 1]; };
const shown = (el) => el.offsetParent !== null && getComputedStyle(el).visibility === 'visible'
  && !el.closest('.pb-sr-only');
const ring = (el) => {
  el.focus({preventScroll: true});
  const s = getComputedStyle(el), around = background(el.parentElement);
  let width = s.outlineStyle === 'none' ? 0 : parseFloat(s.outlineWidth), colour = rgba(s.outlineColor);
  if (width < 3 && s.boxShadow !== 'none') {
    const shadows = s.boxShadow.split(/,(?![^(]*\))/);
    const spread = (x) => { const px = x.match(/-?[\d.]+px/g) || []; return px.length ? parseFloat(px[px.length - 1]) : 0; };
    const last = shadows[shadows.length - 1];
    width = spread(last) - (shadows.length > 1 ? spread(shadows[shadows.length - 2]) : 0);
    colour = rgba(last);
  }
  const out = {focused: document.activeElement === el, width, contrast: width > 0 ? ratio(colour, around) : 0};
  el.blur();
  return out;
};
"""


def accessible_controls(page) -> list[tuple[str, str]]:
    """(role, accessible name) of every form control on the page a screen reader reaches (Chromium's own
    accessibility tree, through the DevTools protocol): buttons, fields, menus, check boxes, radios, sliders."""
    roles = {"button", "textbox", "spinbutton", "combobox", "checkbox", "radio", "slider", "switch", "listbox",
             "searchbox", "menuitem", "tab"}
    cdp = page.context.new_cdp_session(page)
    try:
        nodes = cdp.send("Accessibility.getFullAXTree")["nodes"]
    finally:
        cdp.detach()
    return [(n["role"]["value"], n.get("name", {}).get("value", "")) for n in nodes
            if not n.get("ignored") and n.get("role", {}).get("value") in roles]


def lock_prediction(page, key: str, choice: int = 0) -> None:
    """Lock in a prediction of the part ``key`` (a page's predict-observe-explain step: pb-KEY-...) with the keyboard,
    as a keyboard user would (a mouse click would also turn off Chromium's :focus-visible rings for the rest of
    the page), and wait for its observation to show."""
    page.locator(f".pb-{key}-predict-choices input[type=radio]").nth(choice).focus()
    page.keyboard.press("Space")
    button = page.locator(f".pb-{key}-predict-button")
    expect_enabled = f"() => !document.querySelector('.pb-{key}-predict-button').disabled"
    page.wait_for_function(expect_enabled)
    button.focus()
    page.keyboard.press("Enter")
    page.locator(f".pb-{key}-observe").wait_for(state="visible")
