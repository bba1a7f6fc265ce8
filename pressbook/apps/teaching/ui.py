"""Shared widget helpers of the teaching notebooks: BokehJS set-up, safe callbacks, palette, HTML bits.

Rules the teaching pages follow (TOOLCHAIN.md): BokehJS inline, loaded once before the first figure;
figures embedded with jupyter_bokeh.BokehModel; data updated by assigning ColumnDataSource.data; never
show(). Every callback runs inside ``safe``: an exception becomes a friendly message on the page, never a
traceback (and never a kernel error message).
"""
from __future__ import annotations

import html
import math

import ipywidgets as w

from ...errors import PressbookError
from ...views.palette import OKABE_ITO  # noqa: F401 - re-exported: the teaching modules take it from here
from ...views.words import plain_message, plain_units
from .. import common
from ..common import bokeh  # noqa: F401 - re-exported: the teaching modules take it from here

#: the teaching pages' order of the Okabe-Ito colours
PALETTE = [OKABE_ITO[k] for k in ("blue", "orange", "green", "vermillion", "sky", "purple", "black", "yellow")]
GOOD, BAD, NEUTRAL = OKABE_ITO["blue"], OKABE_ITO["vermillion"], "#555555"
LEVEL_COLOURS = {"low": OKABE_ITO["blue"], "medium": OKABE_ITO["orange"], "high": OKABE_ITO["vermillion"]}

CSS = """
<style>
.pb-card {border-left: 4px solid #0072B2; padding: 4px 12px; margin: 6px 0; background: #f6f9fc; max-width: 980px;}
.pb-card h4, .pb-card h2.pb-card-h {margin: 4px 0;}
.pb-card h2.pb-card-h {font-size: var(--jp-content-font-size2, 1.2em);}  /* a card that is the page's first heading under its h1 */
.pb-feedback-right {border-left: 4px solid #0072B2; background: #eef5fb; padding: 6px 12px; margin: 6px 0; max-width: 980px;}
.pb-feedback-wrong {border-left: 4px solid #D55E00; background: #fdf1ea; padding: 6px 12px; margin: 6px 0; max-width: 980px;}
.pb-message {color: #7a3b00; background: #fff6e5; border-left: 4px solid #E69F00; padding: 4px 10px; max-width: 980px;}
.pb-readout {font-size: 14px; line-height: 1.5; max-width: 980px;}
.pb-table {border-collapse: collapse; font-size: 13px;}
.pb-table td, .pb-table th {border-bottom: 1px solid #ddd; padding: 3px 8px; text-align: left; vertical-align: top;}
.pb-level-low {color: #0072B2; font-weight: bold;}
.pb-level-medium {color: #9a5f00; font-weight: bold;}
.pb-level-high {color: #a84800; font-weight: bold;}  /* vermillion darkened: 5.3:1 or more on the page and its cards */
.widget-radio-box label {white-space: normal !important;}
</style>
"""


def setup() -> None:
    """Load BokehJS inline (once per kernel) and show the page's styles.

    Call in the notebook's first code cell, before any figure is shown.
    """
    from IPython.display import display

    common.load_bokehjs()
    display(w.HTML(CSS))


class Message(common.Message):
    """A place for friendly messages (hidden when empty)."""

    css = "pb-message"


def friendly(exc: BaseException) -> str:
    if isinstance(exc, PressbookError):
        return f"That input cannot be used: {plain_message(exc)}. Nothing was changed."
    return ("Something went wrong while computing this view, so it was not updated. "
            "Try another value; if it keeps happening, reload the page.")


def safe(message: Message | None = None):
    """Decorator for widget callbacks: never let an exception reach the kernel's error output."""
    return common.safe_callback(message, friendly)


def _not_built(exc: BaseException) -> str:
    return "This part of the page could not be built. " + friendly(exc)


def guarded(builder):
    """Decorator for the functions a notebook cell calls to build a section: if building fails, the cell shows a
    friendly message instead of an error (Voila would stop the page at a failing cell)."""
    return common.guarded_builder(builder, Message, _not_built)


class Broken:
    """Stands in for an app object that could not be built: every section it is asked for is one message."""

    def __init__(self, exc: BaseException):
        self._text = _not_built(exc)

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)

        def section(*_args, **_kw):
            msg = Message()
            msg.say(self._text)
            return msg
        return section


def clamp(value, lo: float, hi: float, default: float) -> float:
    """A number from a widget (any value can arrive through the comm), clamped to [lo, hi]."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        return default
    if not math.isfinite(v):
        return default
    return min(max(v, lo), hi)


def card(title: str, body_html: str) -> str:
    return f'<div class="pb-card"><h4>{html.escape(title)}</h4>{body_html}</div>'


def feedback_html(feedback) -> str:
    cls = "pb-feedback-right" if feedback.correct else "pb-feedback-wrong"
    mark = "✔" if feedback.correct else "✘"
    return f'<div class="{cls}"><b>{mark} {html.escape(feedback.verdict)}</b><br>{plain_units(feedback.why)}</div>'


def level_html(level: str) -> str:
    return f'<span class="pb-level-{html.escape(level)}">{html.escape(level)}</span>'


def slider(description: str, value: float, lo: float, hi: float, step: float, unit: str, css: str = "",
           fmt: str = ".0f", width: str = "640px") -> w.FloatSlider:
    s = w.FloatSlider(value=value, min=lo, max=hi, step=step, description=f"{description} ({unit})",
                      continuous_update=False, readout_format=fmt, style={"description_width": "230px"},
                      layout=w.Layout(width=width))
    if css:
        s.add_class(css)
    return s


def table(headers, rows) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in rows)
    return f'<table class="pb-table"><tr>{head}</tr>{body}</table>'
