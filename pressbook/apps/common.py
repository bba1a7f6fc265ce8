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


def load_bokehjs() -> None:
    """Load BokehJS into the page, inline (no CDN), once per kernel, before the first figure is shown
    (TOOLCHAIN.md). Every app's set-up calls this one function, so the kernel loads it once in all.

    Bokeh's ``output_notebook`` publishes the 1.3 MB library twice (one copy per MIME type, for the
    classic notebook and for JupyterLab); only ``application/javascript`` is published here, which
    Voila, JupyterLab and the classic notebook all run: half the page to send and parse. It is followed
    by ``views.figure_widget.SYNC_FILTER_JS``: the kernel's figure patches are not sent back to it."""
    global _BOKEHJS_LOADED
    if _BOKEHJS_LOADED:
        return
    from bokeh.resources import Resources
    from IPython.display import publish_display_data

    from .figure_widget import SYNC_FILTER_JS

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


def bokeh(fig):
    """A Bokeh figure (or layout) as an ipywidget (views.figure_widget.FigureWidget; never show())."""
    from .figure_widget import FigureWidget

    return FigureWidget(fig)


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


def number(description: str, value: float, css: str, width: str = "220px", desc_width: str = "120px") -> w.FloatText:
    """A float input that fires on Enter or on leaving the field (continuous_update=False)."""
    box = w.FloatText(value=value, description=description, continuous_update=False,
                      layout=w.Layout(width=width), style={"description_width": desc_width})
    box.add_class(css)
    return box


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
