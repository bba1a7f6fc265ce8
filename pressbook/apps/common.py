"""Small shared pieces of every app (designer, explore, onboarding, teaching): BokehJS loading, Bokeh figures
as widgets, friendly messages and callbacks that never show a traceback; and the designer's guarded callbacks,
numeric inputs and per-field error messages."""
from __future__ import annotations

import functools
import time
from html import escape

import ipywidgets as w

from .designer.state import DesignerState, log, new_error_id
from .kernel_guard import guard_kernel

guard_kernel()  # in an app's kernel (every app imports this module): message limits, no tracebacks, memory

DESC = {"description_width": "initial"}

_BOKEHJS_LOADED = False
#: Said in the browser's console when a page that should carry BokehJS (apps.bokehjs) does not (another template)
BOKEHJS_MISSING_JS = ('if (window.Bokeh === undefined) console.error("pressbook: this page did not load BokehJS '
                      '(the pressbook template loads it): figures cannot be drawn");\n')


def load_bokehjs() -> None:
    """Load BokehJS into the page, inline (no CDN), once per kernel, before the first figure is shown
    (TOOLCHAIN.md). Every app's set-up calls this one function, so the kernel loads it once in all.
    On pressbook's own Voila servers the page's template has loaded BokehJS already (a cached static file,
    ``apps.bokehjs``): then only the echo filter is published.

    Bokeh's ``output_notebook`` publishes the 1.3 MB library twice (one copy per MIME type, for the
    classic notebook and for JupyterLab); only ``application/javascript`` is published here, which
    Voila, JupyterLab and the classic notebook all run: half the page to send and parse. It is followed
    by ``views.figure_widget.SYNC_FILTER_JS``: the kernel's figure patches are not sent back to it."""
    global _BOKEHJS_LOADED
    page_support()
    if _BOKEHJS_LOADED:
        return
    from bokeh.resources import Resources
    from IPython.display import publish_display_data

    from .bokehjs import in_page
    from .figure_widget import SYNC_FILTER_JS

    if in_page():
        publish_display_data({"application/javascript": BOKEHJS_MISSING_JS + SYNC_FILTER_JS})
        _BOKEHJS_LOADED = True
        return
    resources = Resources(mode="inline", components=["bokeh"])
    try:  # bokeh's own loader script (a private function, pinned bokeh version in binder/constraints.txt)
        from bokeh.embed.bundle import bundle_for_objs_and_resources
        from bokeh.io.notebook import _loading_js

        js = _loading_js(bundle_for_objs_and_resources(None, resources), None, register_mime=False)
        publish_display_data({"application/javascript": js + SYNC_FILTER_JS})
    except ImportError:  # another bokeh: the public way, both copies
        from bokeh.io import output_notebook

        output_notebook(resources=resources, hide_banner=True)
        publish_display_data({"application/javascript": SYNC_FILTER_JS})
    _BOKEHJS_LOADED = True


# ---------------------------------------------------------------- the page: widths, keyboard, screen readers
#: Shared page styles: a visible focus ring (3 px, dark blue: about 10:1 on white) on every control, text and
#: number fields included, one link style (blue, underlined), visually hidden text for
#: screen readers (``pb-sr-only``) and, below 900 px wide, one column: rows of controls wrap, no widget is
#: wider than the screen, tables scroll inside their own box.
PAGE_CSS = """<style>
body :focus-visible, .jp-OutputArea-output input:focus, .jp-OutputArea-output textarea:focus,
.jp-OutputArea-output select:focus {outline: 3px solid #0b3d91 !important; outline-offset: 2px !important;}
/* one link style for every page: blue (7:1 on white, over 6:1 on the pale panels), underlined (not told by
   colour alone), the same focus ring as every control */
.jp-OutputArea-output a[href], .jp-RenderedMarkdown a[href], .jp-RenderedHTMLCommon a[href] {
  color: #0a58a8 !important; text-decoration: underline !important; text-underline-offset: 2px;}
.pb-nowrap, td.pb-num {white-space: nowrap !important;}  /* a number and its unit: one token, never split */
.noUi-handle:focus-visible {box-shadow: 0 0 0 2px #fff, 0 0 0 5px #0b3d91 !important;}
.pb-sr-only {position: absolute !important; width: 1px !important; height: 1px !important; margin: -1px;
  padding: 0; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0;}
@media (max-width: 900px) {
  #rendered_cells {padding-left: 0 !important; padding-right: 0 !important;}
  #rendered_cells > div {padding: 12px 8px !important;}
  .jp-Cell, .jp-Cell-outputWrapper, .jp-OutputArea-child {padding: 0 !important;}
  /* a word too long for the screen breaks; no other word does ("anywhere" also squeezed table cells to one
     letter a line: "la y er", "197.0 / 9") */
  .jp-RenderedMarkdown, .jp-RenderedHTMLCommon, .widget-html-content {overflow-wrap: break-word;}
  .jp-Cell, .jp-OutputArea, .jp-OutputArea-child, .jp-OutputArea-output {min-width: 0;
    max-width: 100%;}
  .jp-OutputArea-output .jupyter-widgets {max-width: 100% !important; min-width: 0 !important;}
  .jp-OutputArea-output .widget-hbox, .jp-OutputArea-output .widget-inline-hbox {flex-wrap: wrap;}
  .jp-OutputArea-output .widget-hbox > .widget-box, .jp-OutputArea-output .widget-hbox > .pb-figure {
    flex: 1 1 100%;}  /* panels and figures side by side on a laptop: one under the other */
  .jp-OutputArea-output .widget-inline-hbox {height: auto !important; min-height: var(--jp-widgets-inline-height);}
  .jp-OutputArea-output .widget-inline-hbox > .widget-label {max-width: 100%;}
  .jp-OutputArea-output .widget-inline-hbox > select, .jp-OutputArea-output .widget-inline-hbox > input {
    min-width: 60px; height: var(--jp-widgets-inline-height);}
  .jp-OutputArea-output .widget-slider .slider-container {min-width: 120px;}
  /* no label cut short with "...": toggle buttons and check boxes wrap their words instead */
  .jp-OutputArea-output .widget-toggle-buttons .btn-group {flex-wrap: wrap;}
  .jp-OutputArea-output .widget-toggle-button {width: auto !important; max-width: 100%; height: auto;
    min-height: var(--jp-widgets-inline-height);}
  .jp-OutputArea-output .widget-toggle-button, .jp-OutputArea-output .widget-label-basic,
  .jp-OutputArea-output .widget-label-basic span, .jp-OutputArea-output .widget-inline-hbox > .widget-label {
    white-space: normal; overflow: visible; text-overflow: clip;}
  .jp-OutputArea-output .widget-checkbox {height: auto;}
  .jp-OutputArea-output table {display: block; max-width: 100%; overflow-x: auto;}
}
/* a phone (issue 26): a wide table (4 columns or more, marked pb-stack by the page script) becomes stacked rows,
   each cell "column: value" with its number and unit on one line; the designer shows its summary right under
   the preset bar, before the editors (its boxes hand their children to the page's column: display contents) */
@media (max-width: 600px) {
  .jp-OutputArea-output table.pb-stack {display: block; overflow: visible;}
  table.pb-stack thead, table.pb-stack tr.pb-stack-head {display: none;}
  table.pb-stack tbody, table.pb-stack tr {display: block;}
  table.pb-stack tr {border-bottom: 1px solid #ccc; padding: 4px 0;}
  table.pb-stack td, table.pb-stack th {display: block; border: none !important; padding: 1px 4px !important;
    text-align: left !important; width: auto !important;}
  table.pb-stack td[data-label]::before {content: attr(data-label) ": "; font-weight: bold; white-space: normal;}
  table.pb-stack td:first-child {font-weight: bold;}
  .pb-designer .pb-main, .pb-designer .pb-views, .pb-designer .pb-history-row {display: contents !important;}
  .pb-designer > .pb-designer-header, .pb-designer > .pb-preset-bar {order: -3;}
  .pb-designer .pb-results-status {order: -2;}
  .pb-designer .pb-summary-box {order: -1; width: 100% !important;}
}
/* print (issue 26): the lab shell is a fixed-height box that scrolls, so a printed page stopped at the first
   screenful; on paper every box grows to its content and the page flows over as many sheets as it needs */
@media print {
  html, body, #main, #jp-main-content-panel, #rendered_cells, .jp-LabShell, .lm-BoxPanel, .lm-BoxPanel-child,
  .jp-Cell, .jp-Cell-outputWrapper, .jp-OutputArea, .jp-OutputArea-child, .jp-RenderedHTMLCommon {
    position: static !important; height: auto !important; max-height: none !important;
    overflow: visible !important; contain: none !important;}  /* Lumino's size containment sized them to 0 */
  #rendered_cells {padding: 0 !important;}
  h1, h2, h3, h4 {break-after: avoid;}
  tr, li, pre {break-inside: avoid;}
  .pb-retry-banner {display: none !important;}
}
</style>"""

#: Shared page script, run once per page. (1) Names: a widget given ``named(widget, name)`` carries the name
#: in a CSS class (``pb-name-`` + its UTF-8 bytes in hex: ipywidgets 8 drops a tooltip wherever a widget has a
#: description); the script puts it in ``aria-label`` on the control itself (input, select, button, slider
#: handle), since ipywidgets 8 leaves sliders unnamed and its visible labels repeat from row to row ("name",
#: "role"). A slider still unnamed gets its visible description. (2) The plots
#: (toolbars and canvas) leave the tab order: the mouse still zooms; their text alternatives carry the content.
#: (3) ``move_focus(widget)``: the focus goes to the widget as soon as it is shown (``widget.focus()`` can
#: arrive before a box around it is shown, and is then lost).
#: (4) A box that scrolls (a wide table on a phone) joins the tab order, so a keyboard can scroll it.
#: (5) Voila's cells are marked as the page's main landmark (screen readers jump to it; axe's "region").
#: (6) A table cell that is a number with its unit gets ``pb-nowrap``: on a phone it never breaks inside.
#: (7) A wide table (4 columns or more under a heading row, or rows of 3 cells that start with their own heading)
#: gets ``pb-stack``, its cells their column's heading (``data-label``): below 600 px it shows as stacked rows.
PAGE_JS = """
(function () {
  if (window.pressbook_a11y) return;
  window.pressbook_a11y = true;
  const CONTROLS = "input, select, textarea, button, .noUi-handle";
  const NAME_CLASS = "pb-name-";  // + the name's UTF-8 bytes in hex (common.named)
  const focused = new WeakSet();
  function setName(el, name) { if (name && el.getAttribute("aria-label") !== name) el.setAttribute("aria-label", name); }
  function names() {
    for (const widget of document.querySelectorAll(".pb-named")) {
      const cls = [...widget.classList].find((c) => c.startsWith(NAME_CLASS));
      if (!cls) continue;
      const hex = cls.slice(NAME_CLASS.length).match(/../g) || [];
      const name = new TextDecoder().decode(new Uint8Array(hex.map((h) => parseInt(h, 16))));
      for (const c of widget.matches(CONTROLS) ? [widget] : widget.querySelectorAll(CONTROLS)) setName(c, name);
    }
    // the focus moves to a widget given the class pb-focus-now, once, as soon as it is shown
    for (const t of document.querySelectorAll(".pb-focus-now")) {
      if (focused.has(t) || t.offsetParent === null) continue;
      focused.add(t);
      t.setAttribute("tabindex", "-1");
      t.focus();
    }
    for (const handle of document.querySelectorAll(".widget-slider .noUi-handle:not([aria-label])")) {
      const label = handle.closest(".widget-slider").querySelector(":scope > .widget-label");
      setName(handle, label && label.textContent.trim());
    }
  }
  const watched = new WeakSet();
  function toolbars(root) {
    for (const el of root.querySelectorAll("*")) {
      if (!el.shadowRoot) continue;
      if (!watched.has(el.shadowRoot)) {  // Bokeh builds its toolbars later, inside its shadow DOM
        watched.add(el.shadowRoot);
        new MutationObserver(later).observe(el.shadowRoot, {subtree: true, childList: true, attributes: true,
                                                            attributeFilter: ["tabindex"]});
      }
      // every Tab stop Bokeh makes (tool buttons, its logo link, the event layer): widgets use no shadow DOM
      for (const t of el.shadowRoot.querySelectorAll("[tabindex], button, a[href]"))
        if (t.getAttribute("tabindex") !== "-1") t.setAttribute("tabindex", "-1");
      toolbars(el.shadowRoot);
    }
  }
  function scrollables() {  // a box that scrolls must be reachable by keyboard to scroll it
    for (const e of document.querySelectorAll("#rendered_cells, .jp-RenderedMarkdown, .jp-OutputArea-output table, .widget-box, .pb-table-scroll")) {
      if (e.closest(".pb-sr-only")) continue;  // a figure's text alternative: read, not scrolled
      const o = getComputedStyle(e);
      const scrolls = (/(auto|scroll)/.test(o.overflowX) && e.scrollWidth > e.clientWidth + 1)
                      || (/(auto|scroll)/.test(o.overflowY) && e.scrollHeight > e.clientHeight + 1);
      if (scrolls && !e.hasAttribute("tabindex")) e.setAttribute("tabindex", "0");
    }
  }
  // a table cell holding a number with its unit ("13.95 mS/cm", "626 µm", "15 Ω·cm²") keeps them on one line
  const NUMBER_UNIT = /^[-+−±~≈]?\d[\d.,]*\s?(%|[^\s\d]{1,10})?$/;
  function numbers() {
    for (const c of document.querySelectorAll(".jp-OutputArea-output td:not(.pb-nowrap)"))
      if (NUMBER_UNIT.test(c.textContent.trim())) c.classList.add("pb-nowrap");
  }
  // a wide table: each cell learns its column's heading (data-label), so that on a phone the table can show as
  // stacked rows ("column: value"). Wide: 4 columns or more under a heading row, or rows that each start with
  // their own heading (a card's "Target load | value | read:") and hold 3 cells or more
  function stackable() {
    for (const t of document.querySelectorAll(".jp-OutputArea-output table:not(.pb-stack)")) {
      const rows = [...t.querySelectorAll("tr")];
      const head = t.querySelector("thead tr") || rows[0];
      const cells = head ? [...head.children] : [];
      const names = cells.map((c) => (c.tagName === "TH" ? c.textContent.trim() : ""));
      if (cells.length >= 4 && cells.every((c) => c.tagName === "TH")) {
        if (!head.closest("thead")) head.classList.add("pb-stack-head");
        for (const row of rows)
          if (row !== head)
            [...row.children].forEach((c, i) => { if (i > 0 && names[i]) c.setAttribute("data-label", names[i]); });
        t.classList.add("pb-stack");
      } else if (rows.length && rows.every((r) => r.firstElementChild && r.firstElementChild.tagName === "TH")
                 && rows.some((r) => r.children.length >= 3)) {
        t.classList.add("pb-stack");
      }
    }
  }
  function landmark() {  // Voila's page has no landmark: its cells are the page's main content
    const cells = document.getElementById("rendered_cells");
    if (cells && !cells.closest("main, [role=main]")) cells.setAttribute("role", "main");
  }
  let pending = false;
  function sweep() {
    pending = false;
    landmark();
    numbers();
    stackable();
    names();
    scrollables();
    for (const view of document.querySelectorAll(".jupyter-widgets.bk-root, .jp-OutputArea-output")) toolbars(view);
  }
  function later() { if (!pending) { pending = true; setTimeout(sweep, 50); } }
  new MutationObserver(later).observe(document.body, {subtree: true, childList: true, attributes: true,
                                                      attributeFilter: ["title", "class", "style"]});
  later();
})();
"""

_PAGE_SUPPORT = False
NAME_CLASS = "pb-name-"  # + a control's accessible name in hex (``named``, read by PAGE_JS)


def page_support() -> None:
    """Publish the shared page styles and script (``PAGE_CSS``, ``PAGE_JS``) once per kernel. Every app calls it
    (through ``load_bokehjs`` or directly)."""
    global _PAGE_SUPPORT
    if _PAGE_SUPPORT:
        return
    from IPython.display import publish_display_data

    publish_display_data({"text/html": PAGE_CSS})
    publish_display_data({"application/javascript": PAGE_JS})
    _PAGE_SUPPORT = True


def named(widget, name: str):
    """Give a control its accessible name (unique on the page, e.g. "step 2 pressure (MPa)"), also its
    tooltip; ``PAGE_JS`` puts it on the control. Naming again replaces the name. Returns the widget."""
    widget.tooltip = name
    for cls in [c for c in widget._dom_classes if c.startswith(NAME_CLASS)]:
        widget.remove_class(cls)
    widget.add_class(NAME_CLASS + name.encode("utf-8").hex())
    widget.add_class("pb-named")
    return widget


def move_focus(widget) -> None:
    """Move the keyboard focus to ``widget`` (e.g. what a button revealed), once, when it is shown (PAGE_JS)."""
    widget.add_class("pb-focus-now")


class FigureText(w.HTML):
    """A figure's text alternative: a sentence with its numbers, read by screen readers (visually hidden, class
    ``pb-figure-text``). ``say(text)`` after each update of the figure's data; compute the text with a pure
    function of the same columns (pressbook.views.describe)."""

    def __init__(self, text: str = "", **kw):
        super().__init__(**kw)
        self.add_class("pb-figure-text")
        self.add_class("pb-sr-only")
        self.say(text)

    def say(self, text) -> None:
        """``text``: a sentence, or a ``describe.Alternative`` (a sentence and a small table)."""
        table = ""
        if hasattr(text, "headers"):
            if text.rows:
                head = "".join(f"<th scope='col'>{escape(str(h))}</th>" for h in text.headers)
                body = "".join("<tr>" + "".join(f"<td>{escape(str(c))}</td>" for c in row) + "</tr>" for row in text.rows)
                table = f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
            text = text.text
        self.value = f"<p role='note'>{escape(text)}</p>{table}" if text else ""


def bokeh(fig):
    """A Bokeh figure (or layout) as an ipywidget (views.figure_widget.FigureWidget; never show())."""
    from .figure_widget import FigureWidget

    return FigureWidget(fig)


def legend_outside(fig, place: str = "below", ncols: int | None = None, font_size: str | None = None) -> None:
    """Move a Bokeh figure's legends out of the plot area (``place``: below, right), so they cover no data.
    Below, the items run in rows of ``ncols`` (default 2), fewer when the labels would not fit side by side on
    a 360 px screen (``legend_columns``); on the right, in one column. Call it after the last glyph with a
    legend. ``legends_in_plot_area`` is the check the tests make."""
    for legend in list(fig.legend):
        for panel in ("center", "above", "below", "left", "right"):
            setattr(fig, panel, [r for r in getattr(fig, panel) if r is not legend])
        if font_size:
            legend.label_text_font_size = font_size
        if place in ("below", "above"):
            labels = [getattr(item.label, "value", None) for item in legend.items]
            fitted = ncols or 2
            if labels and all(isinstance(label, str) for label in labels):  # known now (not read from data)
                fitted = legend_columns(labels, font_px(legend.label_text_font_size), fitted)
            legend.orientation, legend.location, legend.ncols = "horizontal", "center", fitted
        else:
            legend.orientation, legend.location = "vertical", "top_left"
        legend.margin, legend.padding, legend.spacing = 4, 4, 2  # compact: the plot area keeps its height
        legend.border_line_alpha = 0.0
        fig.add_layout(legend, place)


#: a figure's width on the narrowest screen the apps support (360 px), the page's margins taken off (344 px,
#: measured in Chromium at 360x740)
NARROW_PX = 344
#: a legend label's character width per px of font size, as Bokeh draws them (Helvetica): 0.58 measured on
#: chemical formulas (capitals and digits), 0.48 on words; the larger, so that a label is never cut
LEGEND_CHAR_EM = 0.6


def font_px(size, default: float = 13.0) -> float:
    """A Bokeh font size ("13px", "10pt", or a value spec holding one) in px."""
    text = str(getattr(size, "value", size) or "").strip()
    try:
        if text.endswith("px"):
            return float(text[:-2])
        if text.endswith("pt"):
            return float(text[:-2]) * 4 / 3
    except ValueError:
        pass
    return default


def legend_columns(labels: list[str], font: float, most: int) -> int:
    """How many columns (at most ``most``) a legend of ``labels`` (font size ``font`` px) can have and still fit a
    figure on a 360 px screen. Bokeh lays the items out row by row; a column is as wide as its longest label
    plus the glyph (20 px), the gap to the label (5 px) and the spacing (2 px); the legend adds 4 px padding on
    each side (measured in Chromium: one column of 15-character formulas at 11 px is 129 px wide)."""
    for n in range(max(most, 1), 1, -1):
        width = 16 + sum(27 + LEGEND_CHAR_EM * font * max(len(x) for x in labels[c::n]) for c in range(n) if labels[c::n])
        if width <= NARROW_PX:
            return n
    return 1


def legends_in_plot_area(model) -> list[str]:
    """The titles (or names) of the figures in ``model`` (a figure or a layout) that draw a legend inside their
    plot area, where it can cover data: empty when every legend sits beside the plot (``legend_outside``)."""
    from bokeh.models import Legend, Plot

    plots = [model] if isinstance(model, Plot) else list(model.select({"type": Plot}))
    return [(p.title.text if p.title is not None and p.title.text else p.name or "untitled figure")
            for p in plots if any(isinstance(r, Legend) for r in p.center)]


class Message(w.HTML):
    """A place for friendly messages, hidden when empty. Subclasses set ``css`` (the class the page and the
    browser tests select on)."""

    css = "pb-message"

    def __init__(self, **kw):
        super().__init__(value="", **kw)
        self.add_class(self.css)
        self.layout.display = "none"

    def say(self, text: str) -> None:
        self.value = escape(text)
        self.layout.display = "" if text else "none"

    def clear(self) -> None:
        self.say("")


def safe_callback(message: Message | None, friendly):
    """Decorator for widget callbacks: an exception becomes ``friendly(exc)`` in ``message`` (or nothing when
    there is no message), never a traceback nor a kernel error message; success clears the message."""
    def wrap(fn):
        @functools.wraps(fn)
        def inner(*args, **kw):
            try:
                out = fn(*args, **kw)
            except Exception as exc:  # noqa: BLE001 - every error becomes a message, never a traceback
                if message is not None:
                    message.say(friendly(exc))
                return None
            if message is not None:
                message.clear()
            return out
        return inner
    return wrap


def guarded_builder(builder, message_class=Message, friendly=str):
    """Wrap a function that builds a widget: if building fails, return a ``message_class`` saying
    ``friendly(exc)`` instead of raising (Voila would stop the page at a failing cell)."""
    @functools.wraps(builder)
    def inner(*args, **kw):
        try:
            return builder(*args, **kw)
        except Exception as exc:  # noqa: BLE001 - a page never shows a traceback
            msg = message_class()
            msg.say(friendly(exc))
            return msg
    return inner


def guarded(state: DesignerState, row=None):
    """Decorator for widget callbacks: an unexpected exception becomes a message with an error id
    (logged server side), never a traceback in the page.  With ``row``, the callback does nothing once
    ``discard_rows`` retired that row (a page still showing it may send a late click or value)."""
    def deco(fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            if row is not None and getattr(row, "retired", False):
                return None
            try:
                return fn(*args, **kwargs)
            except Exception:
                eid = new_error_id()
                log.exception("designer callback error %s in %s", eid, fn.__name__)
                state.errors = {"app": f"Something went wrong (error id {eid}); the last good results are shown. "
                                       "Please report the id."}
        return wrapper
    return deco


def number(description: str, value: float, css: str, width: str = "220px", desc_width: str = "120px",
           name: str = "") -> w.FloatText:
    """A float input that fires on Enter or on leaving the field (continuous_update=False); ``name``: its
    accessible name when the description is not unique on the page (see ``named``)."""
    box = w.FloatText(value=value, description=description, continuous_update=False,
                      layout=w.Layout(width=width), style={"description_width": desc_width})
    box.add_class(css)
    return named(box, name) if name else box


def set_quietly(widget, value, tol: float = 1e-9) -> None:
    """Set a widget's value only if it differs (floats: beyond a relative tolerance)."""
    old = widget.value
    if isinstance(value, float) and isinstance(old, (int, float)):
        if abs(old - value) <= tol * max(1.0, abs(value)):
            return
    if old != value:
        widget.value = value


class ErrorMessage(w.HTML):
    """Shows the state's error messages whose key satisfies ``match(key)``, next to the field."""

    def __init__(self, state: DesignerState, match, css: str = ""):
        super().__init__(value="")
        self.add_class("pb-error")
        if css:
            self.add_class(css)
        self._match = match
        self._state = state
        state.observe(self._refresh, names="errors")
        self._refresh()

    def _refresh(self, _change=None) -> None:
        msgs = [m for k, m in self._state.errors.items() if self._match(k)]
        self.value = "".join(f"<div role='alert'>⚠ {escape(m)}</div>" for m in msgs)

    def detach(self) -> None:
        self._state.unobserve(self._refresh, names="errors")


#: Retired editor rows are closed this long after they left the page (s).
RETIRED_ROWS_CLOSE_AFTER_S = 30.0
_retired: list[tuple[float, list]] = []  # (when, widgets) in retirement order


def discard_rows(rows, now: float | None = None) -> None:
    """Retire editor rows being replaced: their callbacks stop at once (``guarded(state, row)``), their
    error messages stop observing the state, and every widget in them (children, layouts, styles) is
    closed ``RETIRED_ROWS_CLOSE_AFTER_S`` later, so neither the kernel nor a page connecting later keeps
    their models.  Not at once: under fast clicks the page may still be drawing a row built a moment
    ago, and a model closed under it gives "widget model not found" and a stale editor."""
    now = time.monotonic() if now is None else now
    widgets, stack = [], list(rows)
    for row in rows:
        row.retired = True
        if isinstance(getattr(row, "error", None), ErrorMessage):
            row.error.detach()
    while stack:
        widget = stack.pop()
        widgets.append(widget)
        stack.extend(getattr(widget, "children", ()))
        stack.extend(x for x in (getattr(widget, "layout", None), getattr(widget, "style", None))
                     if isinstance(x, w.Widget))
    if widgets:
        _retired.append((now, widgets))
    while _retired and now - _retired[0][0] >= RETIRED_ROWS_CLOSE_AFTER_S:
        for widget in _retired.pop(0)[1]:
            widget.close()


def app_link(app: str, design=None, text: str = "") -> str:
    """An <a> to another app (the notebook ``app``.ipynb beside this one, as Voila serves them) with ``design``
    in its query, written by the designer's own link encoder (a preset and changed fields, or ``design=``).
    Opens in a new tab: the page the link is on keeps its state."""
    from .designer.query import design_to_query

    href = f"{app}.ipynb" + ("" if design is None else "?" + design_to_query(design))
    return (f'<a class="pb-app-link pb-link-{escape(app)}" href="{escape(href)}" target="_blank" '
            f'rel="noopener">{escape(text)}</a>')


def designer_link(design, text: str = "Open this design in the designer") -> str:
    """The one "open in the designer" link of every app (see ``app_link``)."""
    return app_link("designer", design, text)


def markdown_page(path):
    """A Markdown document of the repository (the teacher guide, the worksheet) as the page's output;
    a short message instead when the file is not there (a package installed without the repository)."""
    from pathlib import Path

    from IPython.display import Markdown

    page_support()  # the shared styles and script: focus ring, scrollable boxes reachable by keyboard
    try:
        return Markdown(Path(path).read_text(encoding="utf-8"))
    except OSError:
        return Markdown("This document is not available here: it is in the pressbook repository, folder `docs`.")


def find_widgets(root, css: str) -> list:
    """The widgets in ``root``'s tree (``root`` included) that carry the CSS class ``css`` (the ``pb-...``
    classes the page and the browser tests select on)."""
    found, stack = [], [root]
    while stack:
        widget = stack.pop()
        if css in getattr(widget, "_dom_classes", ()):
            found.append(widget)
        stack.extend(getattr(widget, "children", ()))
    return found


def prefix(*prefixes):
    """Match keys equal to one of the prefixes or starting with prefix + '.'."""
    return lambda key: any(key == p or key.startswith(p + ".") for p in prefixes)
