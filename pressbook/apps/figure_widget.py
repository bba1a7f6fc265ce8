"""Bokeh figures as ipywidgets: jupyter_bokeh's ``BokehModel`` with fewer, larger messages.

``FigureWidget(fig)`` differs from ``BokehModel`` in three ways (each measured in the designer,
benchmarks/bench_designer.py):

* ``hold(widgets)``: every change made to the figures' documents inside the block is sent as one
  PATCH-DOC message per document when the block ends (BokehModel sends one per change), so the
  browser applies and draws one patch per figure instead of one per data source.
* Events from the browser are not applied to the kernel's documents. The figures are views of the
  kernel's results: nothing in pressbook reads a figure's state back. BokehJS reports auto-ranges and
  sizes, and jupyter_bokeh 4.1's view sends every patch it has applied back to the kernel; applying
  those would cost the kernel a deserialisation per message and, worse, store browser-computed
  ``DataRange1d`` start/end values that would pin the ranges if the document were serialised again.
* ``refresh()``: serialise the document again into ``render_bundle``. A page that connects after a
  change (Voila renders the widgets first, the page connects later) never received the patch;
  it reads ``render_bundle``, so that must hold the current data.

In the browser, ``SYNC_FILTER_JS`` (published with BokehJS) stops the patches from coming back.
"""
from __future__ import annotations

import contextlib
import json
from typing import Iterable

from bokeh.protocol import Protocol
from jupyter_bokeh import BokehModel

# Published once with BokehJS (apps.common.load_bokehjs). BokehJS applies a kernel patch with
# `sync: false` ("do not send this back"; Bokeh's own server client drops such changes), but
# jupyter_bokeh 4.1's view passes every change of its document to the kernel, so each figure update
# came back to the kernel whole: as many messages again, and the browser spent its time serialising
# the new data a second time. This passes only `sync` changes to a document's change callbacks;
# changes made in the browser (pan, zoom, auto-ranges) still reach the kernel. The gain is measured in
# the README (Performance) and tested in tests/browser/test_designer.py.
SYNC_FILTER_JS = """
(function () {
  const Bokeh = window.Bokeh;
  if (Bokeh === undefined || Bokeh.pressbook_sync_filter) return;
  let Document, DocumentEventBatch;
  try {
    Document = Bokeh.require("document").Document;
    DocumentEventBatch = Bokeh.require("document/events").DocumentEventBatch;
  } catch (error) {
    console.warn("pressbook: BokehJS without the expected modules; figure patches are echoed", error);
    return;
  }
  const on_change = Document.prototype.on_change, remove_on_change = Document.prototype.remove_on_change;
  const filtered = new WeakMap();
  Document.prototype.on_change = function (callback, allow_batches = false) {
    if (!filtered.has(callback)) {
      filtered.set(callback, function (event) {
        if (event.sync === false) return;
        if (event instanceof DocumentEventBatch) {
          const events = event.events.filter((e) => e.sync !== false);
          if (events.length === 0) return;
          if (events.length < event.events.length) event = new DocumentEventBatch(event.document, events);
        }
        callback(event);
      });
    }
    return on_change.call(this, filtered.get(callback), allow_batches);
  };
  Document.prototype.remove_on_change = function (callback) {
    return remove_on_change.call(this, filtered.get(callback) ?? callback);
  };
  Bokeh.pressbook_sync_filter = true;
})();
"""


class FigureWidget(BokehModel):
    """A Bokeh figure (or layout) as an ipywidget. ``patches_sent`` counts PATCH-DOC messages."""

    def __init__(self, model, **kwargs):
        self._held: list | None = None
        self.patches_sent = 0
        width = fit_width(model)
        fit_titles(model)
        super().__init__(model, **kwargs)
        self.add_class("pb-figure")
        if width:  # as wide as designed on a wide screen, as wide as the screen on a narrow one
            self.layout.width, self.layout.max_width = f"{width}px", "100%"

    def _document_patched(self, event) -> None:
        if event.setter is self:
            return
        if self._held is not None:
            self._held.append(event)
        else:
            self._send_patch([event])

    def _send_patch(self, events: list) -> None:
        """One PATCH-DOC message (the framing of BokehModel._document_patched, with a list of events)."""
        msg = Protocol().create("PATCH-DOC", events)
        self.send({"msg": "patch", "payload": msg.header_json})
        self.send({"msg": "patch", "payload": msg.metadata_json})
        self.send({"msg": "patch", "payload": msg.content_json})
        for buffer in msg.buffers:
            self.send({"msg": "patch", "payload": json.dumps(buffer.ref)})
            self.send({"msg": "patch"}, [buffer.to_bytes()])
        self.patches_sent += 1

    def _sync_model(self, _model, content, _buffers) -> None:
        """Browser events are not applied (see the module docstring)."""

    def refresh(self) -> None:
        """Put the document as it is now into ``render_bundle`` (what a page reads when it connects)."""
        self.render_bundle = self._model_to_traits(self._model)


def fit_width(model) -> int | None:
    """Make a fixed-width figure, or a row or column of them, follow its widget's width up to the width it was
    built with (Bokeh's ``stretch_width`` with ``max_width``); return that width in px (None: left as it is)."""
    from bokeh.models import Column, Plot, Row

    if isinstance(model, Plot):
        width = model.width
        if not width or model.sizing_mode not in (None, "fixed"):
            return None
    elif isinstance(model, (Row, Column)):
        widths = [fit_width(child) for child in model.children]
        if not widths or None in widths:
            return None
        width = sum(widths) if isinstance(model, Row) else max(widths)
    else:
        return None
    model.sizing_mode, model.max_width = "stretch_width", width
    return width


#: Bokeh draws a title on one line however narrow the figure: on a phone a long one ran off the figure's edge or
#: pushed the toolbar off it. This breaks the title into lines between words so that each fits the plot area's
#: width (``inner_width``, less the toolbar's menu when the toolbar is above), measured with the title's font
#: in the browser; run when the figure is laid out or resized and when the kernel changes the title (the kernel
#: keeps the one-line title: the browser's change is not applied there, see ``FigureWidget._sync_model``).
FIT_TITLE_JS = r"""
const room = plot.inner_width - (plot.toolbar_location == 'above' ? 30 : 0);
const text = String(title.text || '');
if (!(room > 60) || !text) return;
const ctx = (window.pb_title_ctx = window.pb_title_ctx || document.createElement('canvas').getContext('2d'));
ctx.font = `${title.text_font_style} ${title.text_font_size} ${title.text_font}`;
const lines = [];
for (const word of text.replace(/\n/g, ' ').split(' ').filter((w) => w)) {
  const last = lines.length ? lines[lines.length - 1] + ' ' + word : null;
  if (last !== null && ctx.measureText(last).width <= room) lines[lines.length - 1] = last;
  else lines.push(word);
}
const wrapped = lines.join('\n');
if (wrapped !== text) {  // after this layout; this runs again for the new text
  setTimeout(() => { if (title.text === text) title.text = wrapped; });
} else if (cb_obj === title) {  // BokehJS repaints a new title without making room for more lines: lay it out
  setTimeout(() => {
    const find = (v) => (v.model === plot ? v : [...(v.child_views || [])].map(find).find((x) => x));
    for (const root of Object.values(window.Bokeh.index || {})) {
      const view = find(root);
      if (view) return view.request_layout(true);
    }
  });
}
"""


def fit_titles(model) -> None:
    """Let the title of every plot in ``model`` break into lines that fit the plot on any screen
    (``FIT_TITLE_JS``)."""
    from bokeh.models import CustomJS, Plot, Title

    plots = [model] if isinstance(model, Plot) else list(model.select({"type": Plot}))
    for plot in plots:
        if isinstance(plot.title, Title):
            fit = CustomJS(args={"plot": plot, "title": plot.title}, code=FIT_TITLE_JS)
            plot.js_on_change("inner_width", fit)
            plot.title.js_on_change("text", fit)


@contextlib.contextmanager
def hold(widgets: Iterable[FigureWidget]):
    """Collect the documents' changes inside the block; send one PATCH-DOC per document at its end."""
    widgets = list(widgets)
    for fw in widgets:
        fw._held = []
    try:
        yield
    finally:
        for fw in widgets:
            events, fw._held = fw._held, None
            if events:
                fw._send_patch(events)
