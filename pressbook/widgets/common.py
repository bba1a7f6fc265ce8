"""Small shared pieces: guarded callbacks, numeric inputs, per-field error messages."""
from __future__ import annotations

import functools
from html import escape

import ipywidgets as w

from ..state import DesignerState, log, new_error_id

DESC = {"description_width": "initial"}


def guarded(state: DesignerState):
    """Decorator for widget callbacks: an unexpected exception becomes a message with an error id
    (logged server side), never a traceback in the page."""
    def deco(fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
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


def prefix(*prefixes):
    """Match keys equal to one of the prefixes or starting with prefix + '.'."""
    return lambda key: any(key == p or key.startswith(p + ".") for p in prefixes)
