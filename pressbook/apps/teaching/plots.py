"""Bokeh figure builders for the teaching pages. Figures are built once; ``Chart.set`` replaces a
source's ``data`` in place (never a new figure, never show()). Non-finite values become gaps (nan)."""
from __future__ import annotations

import math

import ipywidgets as w
import numpy as np
from bokeh.models import ColumnDataSource, HoverTool, LabelSet, Range1d, Span
from bokeh.plotting import figure

from ...views import describe
from ..common import FigureText, legend_outside
from .ui import OKABE_ITO, bokeh


def _clean(values) -> np.ndarray:
    a = np.asarray(values, dtype=float).copy()
    a[~np.isfinite(a)] = np.nan
    return a


class Chart:
    """A figure with named line/scatter sources, markers and spans; its legend ``legend`` the plot area
    ("below" or "right": outside it, covering no data)."""

    def __init__(self, title: str, x_label: str, y_label: str, *, width: int = 460, height: int = 300,
                 x_axis_type: str = "linear", y_axis_type: str = "linear", x_range=None, y_range=None,
                 legend: str = "below", name: str = "", **fig_kw):
        kw = dict(fig_kw)
        if x_range is not None:
            kw["x_range"] = Range1d(*x_range)
        if y_range is not None:
            kw["y_range"] = Range1d(*y_range)
        self.fig = figure(title=title, width=width, height=height, x_axis_type=x_axis_type,
                          y_axis_type=y_axis_type, tools="pan,wheel_zoom,box_zoom,reset,save",
                          toolbar_location="right", name=name or None, **kw)
        self.fig.xaxis.axis_label = x_label
        self.fig.yaxis.axis_label = y_label
        self.fig.title.text_font_size = "13px"
        self.sources: dict[str, ColumnDataSource] = {}
        self.renderers: dict = {}
        self.spans: dict[str, Span] = {}
        self._legend = legend
        self._widget = None
        self.labels: dict[str, str] = {}
        self.text = FigureText()  # the figure in words, updated with its data

    def line(self, key, label, colour, x=(), y=(), dash="solid", width=2.5):
        src = ColumnDataSource({"x": _clean(x), "y": _clean(y)})
        kw = {"legend_label": label} if label else {}
        self.renderers[key] = self.fig.line("x", "y", source=src, color=colour, line_dash=dash, line_width=width, **kw)
        self.sources[key], self.labels[key] = src, label or key
        return src

    def scatter(self, key, label, colour, x=(), y=(), marker="circle", size=9, fill=True, extra=None,
                tooltips=None, name=""):
        """``name``: the series in the text alternative (default: its legend ``label``, else ``key``)."""
        data = {"x": _clean(x), "y": _clean(y)}
        data.update(extra or {})
        src = ColumnDataSource(data)
        kw = {"legend_label": label} if label else {}
        # marker: a marker type, or the name of a column of marker types (e.g. "marker" in extra)
        r = self.fig.scatter("x", "y", source=src, marker=marker, size=size, line_color=colour,
                             fill_color=colour if fill else "white", line_width=2, **kw)
        if tooltips:
            self.fig.add_tools(HoverTool(renderers=[r], tooltips=tooltips))
        self.renderers[key] = r
        self.sources[key], self.labels[key] = src, name or label or key
        return src

    def span(self, key, location, colour=OKABE_ITO["black"], dimension="height", dash="dashed"):
        s = Span(location=location, dimension=dimension, line_color=colour, line_dash=dash, line_width=1.5)
        self.fig.add_layout(s)
        self.spans[key] = s
        return s

    def set(self, key, x, y, **extra):
        data = {"x": _clean(x), "y": _clean(y)}
        for k, v in extra.items():
            data[k] = list(v)
        self.sources[key].data = data
        self.describe()

    def show(self, key, visible: bool) -> None:
        self.renderers[key].visible = bool(visible)
        self.describe()

    def describe(self) -> None:
        """Put the visible series into the text alternative."""
        series = {self.labels[k]: (src.data["x"], src.data["y"]) for k, src in self.sources.items()
                  if self.renderers[k].visible}
        self.text.say(describe.series_text(self.fig.title.text, self.fig.xaxis.axis_label,
                                           self.fig.yaxis.axis_label, series))

    def set_span(self, key, location):
        v = float(location)
        self.spans[key].location = v if math.isfinite(v) else None

    def widget(self):
        if self._widget is None:
            if self.fig.legend:  # beside the plot, never over the data (clicking an item hides its series)
                ncols = 3 if self.fig.width >= 600 else 2
                legend_outside(self.fig, self._legend, ncols=ncols, font_size="11px")
                self.fig.legend.click_policy = "hide"
            self.describe()
            self._widget = w.VBox([bokeh(self.fig), self.text])
        return self._widget


class Bars:
    """Horizontal bars with a value label; categories fixed at construction."""

    def __init__(self, title: str, categories, x_label: str, *, width: int = 560, height: int = 240):
        self.categories = list(categories)
        self.fig = figure(title=title, y_range=list(reversed(self.categories)), width=width, height=height,
                          tools="save", toolbar_location=None)
        self.fig.xaxis.axis_label = x_label
        self.fig.title.text_font_size = "13px"
        self.src = ColumnDataSource({"cat": self.categories, "value": [0.0] * len(self.categories),
                                     "colour": [OKABE_ITO["sky"]] * len(self.categories),
                                     "text": [""] * len(self.categories), "hatch": [" "] * len(self.categories)})
        self.fig.hbar(y="cat", right="value", height=0.6, source=self.src, fill_color="colour", line_color="#333333",
                      hatch_pattern="hatch", hatch_color="#333333", hatch_alpha=0.5)
        self.fig.add_layout(LabelSet(x="value", y="cat", text="text", source=self.src, x_offset=4, y_offset=-7,
                                     text_font_size="11px"))
        self.fig.x_range.start = 0
        self._widget = None
        self.text = FigureText()

    def set(self, values, texts, colours=None):
        """Values (inf drawn as a hatched bar beyond the largest finite one), their labels, colours."""
        vals = [float(v) for v in values]
        finite = [v for v in vals if math.isfinite(v)]
        top = max(finite) if finite else 1.0
        shown = [v if math.isfinite(v) else 1.15 * top for v in vals]
        hatch = [" " if math.isfinite(v) else "/" for v in vals]
        self.fig.x_range.end = 1.45 * max(shown) if shown else 1.0
        self.src.data = {"cat": self.categories, "value": shown,
                         "colour": list(colours or [OKABE_ITO["sky"]] * len(vals)), "text": list(texts),
                         "hatch": hatch}
        self.text.say(describe.bars_text(self.fig.title.text, self.fig.xaxis.axis_label, self.categories, texts))

    def widget(self):
        if self._widget is None:
            self._widget = w.VBox([bokeh(self.fig), self.text])
        return self._widget


class CrossSection:
    """A to-scale cross-section of stacked bands (thickness in um, bottom to top)."""

    def __init__(self, title: str, *, width: int = 300, height: int = 320):
        self.fig = figure(title=title, width=width, height=height, tools="save", toolbar_location=None,
                          x_range=Range1d(0, 1))
        self.fig.xaxis.visible = False
        self.fig.xgrid.visible = False
        self.fig.yaxis.axis_label = "height above the cathode's current collector (µm)"
        self.fig.title.text_font_size = "13px"
        self.src = ColumnDataSource({"bottom": [], "top": [], "colour": [], "label": [], "hatch": [], "mid": []})
        self.fig.quad(left=0.0, right=1.0, bottom="bottom", top="top", fill_color="colour", line_color="#333333",
                      hatch_pattern="hatch", hatch_color="#222222", hatch_alpha=0.6, fill_alpha=0.85, source=self.src)
        self.fig.add_layout(LabelSet(x=0.03, y="mid", text="label", source=self.src, text_font_size="11px",
                                     y_offset=-6, background_fill_color="white", background_fill_alpha=0.7))
        self._widget = None
        self.text = FigureText()

    def set(self, bands, y_max: float):
        """bands: [(bottom, top, colour, label, hatch)]"""
        self.src.data = {"bottom": [b[0] for b in bands], "top": [b[1] for b in bands],
                         "colour": [b[2] for b in bands], "label": [b[3] for b in bands],
                         "hatch": [b[4] for b in bands], "mid": [0.5 * (b[0] + b[1]) for b in bands]}
        self.fig.y_range.start = 0
        self.fig.y_range.end = y_max
        self.text.say(f"{self.fig.title.text}, bottom to top: "
                      + "; ".join(f"{b[3]} {b[1] - b[0]:.0f} µm" for b in bands) + ".")

    def widget(self):
        if self._widget is None:
            self._widget = w.VBox([bokeh(self.fig), self.text])
        return self._widget
