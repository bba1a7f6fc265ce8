"""Small apps of the design-space tools for notebooks and Voila: process map, optimiser, sensitivity,
uncertainty. Each ``*_app()`` returns one ipywidget; the notebooks in notebooks/ are two cells::

    from pressbook.apps.explore import setup, process_map_app
    setup()              # BokehJS inline, once, before the first figure (TOOLCHAIN.md)
    process_map_app()

Rules (TOOLCHAIN.md): figures are jupyter_bokeh.BokehModel widgets updated by assigning
``ColumnDataSource.data`` (never rebuilt, never show()); every callback runs inside ``_safe`` so an
error becomes a short message on the page, never a traceback; every value arriving from the browser
is checked (a visitor can set any synced trait). ipywidgets and Bokeh are imported here only, so
``import pressbook.explore`` stays light.
"""
from __future__ import annotations

import html
import math

import ipywidgets as w
import numpy as np

from .. import presets
from ..batch import apply_variant
from ..errors import PressbookError
from ..views import describe
from ..views.palette import OKABE_ITO
from ..views.words import output_label, output_title, plain_message, plain_text, unbroken_ranges
from . import common
from .common import bokeh as _bokeh
from .common import designer_link, legend_outside

#: Okabe-Ito colour-blind-safe colours
BLUE, ORANGE, GREEN, VERMILLION, SKY, PURPLE = (OKABE_ITO[k] for k in ("blue", "orange", "green", "vermillion",
                                                                       "sky", "purple"))
#: Presets offered (all with separate SE and cathode steps, except co-press which the optimiser may compare)
PRESET_CHOICES = [("three-step procedure", "three-step"), ("cathode bonded below pre-compaction", "reverse-differential"),
                  ("Minnmann 2021 (100 / 380 MPa, In)", "minnmann2021"), ("Doux 2020 (370 / 370 / 25 MPa)", "doux2020")]

CSS = """<style>
.pbx-msg {color:#7a3b00; background:#fff6e5; border-left:4px solid #E69F00; padding:4px 10px; max-width:980px;}
.pbx-h {font-size:1.2em; margin:0.6em 0 0.4em;}  /* the app's title under the page's h1: a level-2 heading */
.pbx-text {font-size:14px; line-height:1.5; max-width:980px;}
.pbx-table {border-collapse:collapse; font-size:13px;}
.pbx-table td, .pbx-table th {border-bottom:1px solid #ddd; padding:3px 8px; text-align:left;}
</style>"""


def setup() -> w.HTML:
    """Load BokehJS inline (once per kernel) and return the apps' CSS as a widget. Call before any app."""
    common.load_bokehjs()
    return w.HTML(CSS)


# ----------------------------------------------------------------------------- helpers
class _Message(common.Message):
    css = "pbx-msg"


def _friendly(exc: BaseException) -> str:
    if isinstance(exc, PressbookError):
        return f"That input cannot be used: {plain_message(exc)}. The view was not changed."
    return "Something went wrong while computing this view, so it was not updated. Try another value."


def _safe(message: _Message):
    """Decorator: a callback's exception becomes a message on the page (never a traceback)."""
    return common.safe_callback(message, _friendly)


def _guard(build):
    """Wrap an app builder: if building fails, return a message widget instead of raising."""
    return common.guarded_builder(build, _Message, _friendly)


def _number(value, lo, hi, default):
    try:
        v = float(value)
    except (TypeError, ValueError):
        return default
    return default if not math.isfinite(v) else min(max(v, lo), hi)


def _choice(value, allowed, default):
    return value if value in allowed else default


def _classes(app, root: str, **parts) -> None:
    """CSS classes to find an app and its parts in the page (browser tests, styling)."""
    app.add_class(root)
    for attr, css in parts.items():
        getattr(app, attr).add_class(css)


def _preset_dropdown(value="three-step", choices=PRESET_CHOICES):
    return w.Dropdown(options=choices, value=value, description="design", style={"description_width": "90px"},
                      layout=w.Layout(width="420px"))


def _slider(description, value, lo, hi, step, fmt=".2f", width="440px"):
    return w.FloatSlider(value=value, min=lo, max=hi, step=step, description=description, readout_format=fmt,
                         continuous_update=False, style={"description_width": "170px"}, layout=w.Layout(width=width))


def _table(headers, rows) -> str:
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in r) + "</tr>" for r in rows)
    return f'<table class="pbx-table"><tr>{head}</tr>{body}</table>'


def _outputs(names) -> list[tuple[str, str]]:
    """Menu options of model outputs: words with units shown, the output's name as the value."""
    return [(output_title(n), n) for n in names]


def _design(name: str):
    return presets.preset(_choice(name, [v for _, v in PRESET_CHOICES] + ["co-press"], "three-step"))


# ----------------------------------------------------------------------------- process map
def feasible_outline(x, y, mask):
    """Segments (x0, y0, x1, y1) of the cell edges between feasible and infeasible points of a grid map."""
    x, y, mask = np.asarray(x, float), np.asarray(y, float), np.asarray(mask, bool)
    xe = np.concatenate([[x[0] - (x[1] - x[0]) / 2], (x[1:] + x[:-1]) / 2, [x[-1] + (x[-1] - x[-2]) / 2]])
    ye = np.concatenate([[y[0] - (y[1] - y[0]) / 2], (y[1:] + y[:-1]) / 2, [y[-1] + (y[-1] - y[-2]) / 2]])
    padded = np.pad(mask, 1, constant_values=False)
    x0, y0, x1, y1 = [], [], [], []
    vert = padded[1:-1, 1:] != padded[1:-1, :-1]     # (ny, nx + 1): an edge left of column j
    i, j = np.nonzero(vert)
    x0 += list(xe[j]); x1 += list(xe[j]); y0 += list(ye[i]); y1 += list(ye[i + 1])
    horiz = padded[1:, 1:-1] != padded[:-1, 1:-1]    # (ny + 1, nx): an edge below row i
    i, j = np.nonzero(horiz)
    y0 += list(ye[i]); y1 += list(ye[i]); x0 += list(xe[j]); x1 += list(xe[j + 1])
    return {"x0": x0, "y0": y0, "x1": x1, "y1": y1}


class ProcessMapApp(w.VBox):
    """Map of one output over the SE and cathode step pressures, feasible window outlined, recommended box."""

    OUTPUTS = ["total_asr", "worst_risk", "total_asr_p95"]
    #: Points per axis of the coarse grid of the pessimistic total ASR (points x 400 posterior draws).
    COARSE = 21

    def __init__(self, preset: str = "three-step", n: int = 61, level: float = 0.33):
        from bokeh.models import ColorBar, ColumnDataSource, HoverTool, LinearColorMapper
        from bokeh.palettes import Viridis256
        from bokeh.plotting import figure

        self.n = int(n)
        self.message = _Message()
        self.preset = _preset_dropdown(preset)
        self.level = _slider("risk level", level, 0.05, 0.95, 0.01)
        self.output = w.Dropdown(options=_outputs(self.OUTPUTS), value=self.OUTPUTS[0], description="show",
                                 style={"description_width": "90px"}, layout=w.Layout(width="420px"))
        self.text = w.HTML()
        self.text.add_class("pbx-text")
        self.alt = common.FigureText()
        self.mapper = LinearColorMapper(palette=Viridis256, nan_color="#bbbbbb")
        self.image = ColumnDataSource({"image": [np.zeros((2, 2))], "x": [0], "y": [0], "dw": [1], "dh": [1]})
        self.outline = ColumnDataSource({"x0": [], "y0": [], "x1": [], "y1": []})
        self.box = ColumnDataSource({"left": [], "right": [], "bottom": [], "top": []})
        self.best = ColumnDataSource({"x": [], "y": [], "label": []})
        fig = figure(width=640, height=520, title="", x_axis_label="SE pre-compaction pressure (MPa)",
                     y_axis_label="cathode bonding pressure (MPa)", tools="pan,wheel_zoom,box_zoom,reset,save")
        img = fig.image(image="image", x="x", y="y", dw="dw", dh="dh", source=self.image, color_mapper=self.mapper)
        fig.add_tools(HoverTool(renderers=[img], tooltips=[("x", "$x{0} MPa"), ("y", "$y{0} MPa"), ("value", "@image{0.000}")]))
        for colour, width in (("#222222", 5), ("white", 2.5)):  # a white line edged dark: seen on the map and
            fig.segment("x0", "y0", "x1", "y1", source=self.outline, line_color=colour,  # in the legend on white
                        line_width=width, legend_label="feasible window (every risk <= level)")
        fig.quad(left="left", right="right", bottom="bottom", top="top", source=self.box, fill_alpha=0,
                 line_color=ORANGE, line_width=3, line_dash="dashed", legend_label="recommended ranges")
        fig.scatter("x", "y", source=self.best, marker="star", size=18, fill_color=VERMILLION, line_color="white",
                    legend_label="lowest ASR in the window")
        legend_outside(fig, ncols=1)  # one per row: the labels are long, a phone is 360 px wide
        fig.add_layout(ColorBar(color_mapper=self.mapper, width=12), "right")
        self.figure = fig
        self._map = None
        safe = _safe(self.message)
        self.preset.observe(safe(lambda change: self.recompute()), "value")
        self.level.observe(safe(lambda change: self.redraw()), "value")
        self.output.observe(safe(lambda change: self.redraw()), "value")
        # first numbers, then the BokehModel: BokehJS sizes the ranges from the data it first receives
        self.recompute()
        super().__init__([w.HTML("<h2 class='pbx-h'>Process map: which pair of step pressures works</h2>"),
                          w.HBox([self.preset, self.level]), self.output, self.message, _bokeh(fig), self.alt,
                          self.text])
        _classes(self, "pbx-process-map", level="pbx-level", text="pbx-text-out", message="pbx-message")

    def recompute(self):
        from ..explore.process_map import process_map

        m = process_map(_design(self.preset.value), n=self.n, level=self.level.value)
        self._map = m
        self._p95 = None
        opts = self.OUTPUTS + [f"porosity: {k}" for k in m.porosity] + [f"risk: {k}" for k in m.risks]
        keep = self.output.value if self.output.value in opts else self.OUTPUTS[0]
        self.output.options = _outputs(opts)
        self.output.value = keep
        self.redraw()

    def coarse(self) -> tuple:
        """(every, (ny, nx) 95th percentile of the total ASR over the posterior's draws) on every ``every``-th
        point of the map's axes (at most COARSE per axis), computed once per map."""
        from ..explore.process_map import pessimistic_total_asr

        if self._p95 is None:
            m = self._map
            every = max(1, math.ceil((max(len(m.x), len(m.y)) - 1) / (self.COARSE - 1)))
            self._p95 = (every, pessimistic_total_asr(m, 95.0, every)[2])
        return self._p95

    def values(self, name: str) -> np.ndarray:
        m = self._map
        if name == "total_asr_p95":
            return self.coarse()[1]
        if name == "total_asr":
            return m.total_asr
        if name == "worst_risk":
            return m.worst_risk
        kind, _, what = name.partition(": ")
        if kind == "porosity" and what in m.porosity:
            return m.porosity[what]
        if kind == "risk" and what in m.risks:
            return m.risks[what]
        raise PressbookError(f"show: unknown output {name!r}")

    def redraw(self):
        m = self._map
        level = _number(self.level.value, 0.0, 1.0, 0.33)
        feasible = m.worst_risk <= level
        values = self.values(self.output.value)
        z = np.where(np.isfinite(values), values, np.nan)
        every = self.coarse()[0] if self.output.value == "total_asr_p95" else 1  # drawn on its coarse grid
        xs, ys = m.x[::every], m.y[::every]
        dx, dy = xs[1] - xs[0], ys[1] - ys[0]
        self.image.data = {"image": [z], "x": [xs[0] - dx / 2], "y": [ys[0] - dy / 2],
                           "dw": [xs[-1] - xs[0] + dx], "dh": [ys[-1] - ys[0] + dy]}
        finite = z[np.isfinite(z)]
        if finite.size:
            lo, hi = float(finite.min()), float(np.percentile(finite, 98))
            self.mapper.low, self.mapper.high = lo, (hi if hi > lo else lo + 1e-9)
        self.outline.data = feasible_outline(m.x, m.y, feasible)
        rx, ry = m.recommended.get(m.x_path), m.recommended.get(m.y_path)
        self.box.data = ({"left": [rx["range"][0]], "right": [rx["range"][1]], "bottom": [ry["range"][0]],
                          "top": [ry["range"][1]]} if rx and ry else {"left": [], "right": [], "bottom": [], "top": []})
        m.level, m.feasible = level, feasible
        b = m.best  # as a person sets it: the summary's numbers and the link's design are the same procedure
        if b is not None:
            self.best.data = {"x": [b[m.x_path]], "y": [b[m.y_path]], "label": [f"{b['total_asr']:.4g} Ω·cm²"]}
            best = apply_variant(m.design, m.variant(b))
            link = "<br>" + designer_link(best, "Open the lowest-ASR procedure in the window in the designer")
        else:
            self.best.data = {"x": [], "y": [], "label": []}
            link = ""
        self.figure.title.text = f"{output_title(self.output.value)}: {m.design.title}"
        self.alt.say(describe.process_map_alternative(
            xs, ys, z, feasible[::every, ::every], m.total_asr[::every, ::every], *output_label(self.output.value),
            "SE pre-compaction pressure",
            "cathode bonding pressure", level,
            star=None if b is None else (b[m.x_path], b[m.y_path], b["total_asr"])))
        self.text.value = "<br>".join(unbroken_ranges(html.escape(plain_text(s))) for s in m.summary().splitlines()) \
            + link + \
            "<br><small>" + "<br>".join(html.escape(f"{r['label']}: {r['source']}") for r in m.recommended.values()) + \
            "</small>"


@_guard
def process_map_app(preset: str = "three-step", n: int = 61, level: float = 0.33):
    return ProcessMapApp(preset, n=n, level=level)


# ----------------------------------------------------------------------------- optimiser
class OptimiserApp(w.VBox):
    def __init__(self, preset: str = "three-step", level: float = 0.33, n: int = 3000):
        from bokeh.models import ColumnDataSource, Span
        from bokeh.plotting import figure

        self.n = int(n)
        self.message = _Message()
        self.preset = _preset_dropdown(preset)
        self.level = _slider("risk level", level, 0.05, 0.95, 0.01)
        self.press = w.BoundedFloatText(value=0.0, min=0.0, max=2000.0, step=5.0, description="press limit (kN, 0 = none)",
                                        style={"description_width": "190px"}, layout=w.Layout(width="320px"))
        self.objective = w.ToggleButtons(options=[("lowest total ASR", "total_asr"),
                                                  ("highest separator conductivity", "conductivity")],
                                         value="total_asr", style={"button_width": "auto"})  # whole words
        self.orders = w.Checkbox(value=False, description="also try single-step co-pressing", indent=False,
                                 layout=w.Layout(width="max-content"))
        self.ranking = w.ToggleButtons(options=[("rank by the predicted value", "nominal"),
                                                ("rank pessimistically (95th percentile)", "pessimistic")],
                                       value="nominal", style={"button_width": "auto"},
                                       tooltips=["the model's nominal total ASR",
                                                 "the total ASR that 95 % of the model's plausible versions stay "
                                                 "below (total ASR only)"])
        self.run = w.Button(description="optimise", button_style="primary", icon="play")
        self.text = w.HTML()
        self.text.add_class("pbx-text")
        self.table = w.HTML()
        self.alt = common.FigureText()
        self.front = ColumnDataSource({"worst": [], "asr": []})
        self.best = ColumnDataSource({"worst": [], "asr": []})
        fig = figure(width=620, height=380, x_axis_label="worst risk score (0-1)", y_axis_label="total ASR (Ω·cm²)",
                     title="Pareto front: lowest ASR for each level of the worst risk", tools="pan,box_zoom,reset,save")
        fig.line("worst", "asr", source=self.front, line_color=BLUE, line_width=2)
        fig.scatter("worst", "asr", source=self.front, size=5, color=BLUE, legend_label="Pareto front")
        fig.scatter("worst", "asr", source=self.best, marker="star", size=18, fill_color=VERMILLION,
                    line_color="white", legend_label="optimum")
        self.span = Span(location=level, dimension="height", line_color=ORANGE, line_dash="dashed", line_width=2)
        fig.add_layout(self.span)
        legend_outside(fig)
        self.figure = fig
        self.result = None
        self.run.on_click(_safe(self.message)(lambda _=None: self.optimise()))
        for constraint in (self.preset, self.level, self.press, self.objective, self.orders,
                           self.ranking):  # re-run on any change
            constraint.observe(_safe(self.message)(lambda c: self.optimise()), "value")
        # first numbers, then the BokehModel: BokehJS sizes the ranges from the data it first receives
        _safe(self.message)(self.optimise)()
        super().__init__([w.HTML("<h2 class='pbx-h'>Optimiser: the best procedure whose every risk stays below a level</h2>"),
                          w.HBox([self.preset, self.level]), w.HBox([self.press, self.orders]), self.objective,
                          self.ranking, self.run, self.message, self.text, self.table, _bokeh(fig), self.alt])
        _classes(self, "pbx-optimiser", run="pbx-run", level="pbx-level", text="pbx-text-out", table="pbx-table-out",
                 message="pbx-message", ranking="pbx-ranking")

    def optimise(self):
        from ..explore.optimise import optimise
        from ..lab.press import pressure_to_load
        from ..units import format_duration

        d = _design(self.preset.value)
        level = _number(self.level.value, 0.0, 1.0, 0.33)
        kN = _number(self.press.value, 0.0, 2000.0, 0.0)
        objective = _choice(self.objective.value, ("total_asr", "conductivity"), "total_asr")
        orders = [self.preset.value, "co-press"] if self.orders.value else None
        ranking = _choice(self.ranking.value, ("nominal", "pessimistic"), "nominal")
        note = ""
        if objective != "total_asr" and ranking == "pessimistic":
            note = ("The pessimistic ranking ranks by the total ASR, so it applies to the lowest total ASR only: "
                    "this optimum is ranked by the predicted conductivity. ")
            ranking = "nominal"
        self.run.disabled = True
        try:
            r = optimise(d, level=level, objective=objective, press_limit_kN=kN or None, orders=orders, n=self.n,
                         rounds=5, ranking=ranking)
        finally:
            self.run.disabled = False
        self.result = r
        self.text.value = (f"<b>Risk level {level:.2f}</b>: " + html.escape(note + plain_text(r.explanation)) + "<br>"
                           + designer_link(r.design, "Open this procedure in the designer"))
        rows = []
        for k, step in enumerate(r.design.steps, start=1):
            rows.append([k, " + ".join(step.add), f"{step.pressure:.4g} MPa",
                         f"{pressure_to_load(step.pressure, r.design.die.diameter, 'kN'):.3g} kN",
                         format_duration(step.hold)])
        self.table.value = _table(["step", "adds", "pressure", "load on the die", "hold"], rows) + \
            f"<small>total ASR {r.total_asr:.4g} Ω·cm² (90 % band {r.asr_band[0]:.4g}-{r.asr_band[1]:.4g}, 95th " \
            f"percentile {r.asr_p95:.4g}); worst risk score {r.worst_risk:.2f} (0-1, " \
            f"{html.escape(r.worst_label)}); {r.evaluated} procedures evaluated</small>" + _shortlist_table(r)
        f = r.pareto
        self.front.data = {"worst": list(f.worst_risk), "asr": list(f.total_asr)}
        self.best.data = {"worst": [r.worst_risk], "asr": [r.total_asr]}
        self.span.location = level
        self.alt.say(describe.pareto_alternative(self.front.data["worst"], self.front.data["asr"],
                                                 self.best.data["worst"], self.best.data["asr"], level))


def _shortlist_table(r) -> str:
    """The pessimistic ranking's shortlist as a table (empty for the nominal ranking)."""
    if not r.shortlist:
        return ""
    paths = list(r.shortlist[0].values)
    rows = [[k, *(f"{c.values[p]:.4g}" for p in paths), f"{c.nominal:.4g}", f"{c.band[0]:.4g}-{c.band[1]:.4g}",
             f"{c.pessimistic:.4g}"] for k, c in enumerate(r.shortlist, start=1)]
    from ..explore.optimise import path_unit

    heads = ["rank", *(f"{p.split('.')[1]}: {p.split('.')[2]} ({path_unit(p)})" for p in paths),
             "total ASR (Ω·cm²)", "90 % band", "95th percentile"]
    return (f"<p>The {len(rows)} best procedures by the predicted total ASR, ranked by its 95th percentile over the "
            f"model's plausible versions (unrounded values):</p>" + _table(heads, rows))


@_guard
def optimiser_app(preset: str = "three-step", level: float = 0.33, n: int = 3000):
    return OptimiserApp(preset, level=level, n=n)


# ----------------------------------------------------------------------------- sensitivity
class SensitivityApp(w.VBox):
    TOP = 12

    def __init__(self, preset: str = "three-step", rel: float = 0.1):
        from bokeh.models import ColumnDataSource, FactorRange
        from bokeh.plotting import figure

        self.message = _Message()
        self.preset = _preset_dropdown(preset)
        self.rel = _slider("change of each input (%)", 100 * rel, 1.0, 50.0, 1.0, fmt=".0f")
        self.output = w.Dropdown(options=_outputs(["total_asr"]), value="total_asr", description="effect on",
                                 style={"description_width": "90px"}, layout=w.Layout(width="520px"))
        self.text = w.HTML()
        self.text.add_class("pbx-text")
        self.alt = common.FigureText()
        self.source = ColumnDataSource({"label": [], "low": [], "high": [], "zero": []})
        fig = figure(width=760, height=440, y_range=FactorRange(factors=[]), x_axis_label="change of the output",
                     title="", tools="save")
        fig.hbar(y="label", left="zero", right="low", height=0.7, source=self.source, color=SKY, legend_label="input lower")
        fig.hbar(y="label", left="zero", right="high", height=0.7, source=self.source, color=VERMILLION,
                 legend_label="input higher")
        legend_outside(fig)
        self.figure = fig
        self.tornado = None
        self.preset.observe(_safe(self.message)(lambda c: self.recompute()), "value")
        self.rel.observe(_safe(self.message)(lambda c: self.recompute()), "value")
        self.output.observe(_safe(self.message)(lambda c: self.redraw()), "value")
        # first numbers, then the BokehModel: BokehJS sizes the ranges from the data it first receives
        _safe(self.message)(self.recompute)()
        super().__init__([w.HTML("<h2 class='pbx-h'>Sensitivity: which inputs move the result most</h2>"),
                          w.HBox([self.preset, self.rel]), self.output, self.message, _bokeh(fig), self.alt,
                          self.text])
        _classes(self, "pbx-sensitivity", text="pbx-text-out", message="pbx-message")

    def recompute(self):
        from ..explore.sensitivity import tornado

        t = tornado(_design(self.preset.value), rel=_number(self.rel.value, 1.0, 50.0, 10.0) / 100.0)
        self.tornado = t
        keep = self.output.value if self.output.value in t.output_names else "total_asr"
        self.output.options = _outputs(t.output_names)
        self.output.value = keep
        self.redraw()

    def redraw(self):
        t = self.tornado
        out = _choice(self.output.value, t.output_names, "total_asr")
        rows = [r for r in t.table(out) if r["swing"] > 1e-9][: self.TOP][::-1]  # largest at the top; none that do nothing
        labels = [r["label"] for r in rows]
        self.figure.y_range.factors = labels
        self.source.data = {"label": labels, "low": [r["change_low"] for r in rows],
                            "high": [r["change_high"] for r in rows], "zero": [0.0] * len(rows)}
        base = rows[-1]["base"] if rows else float("nan")
        words, unit = output_label(out)
        self.figure.title.text = f"{words}: base {base:.4g} {unit}, each input -/+{t.rel * 100:.0f} %"
        self.figure.xaxis.axis_label = f"change of the {words} ({unit})"
        self.alt.say(describe.tornado_alternative(words, unit, base, t.rel, labels, self.source.data["low"],
                                                  self.source.data["high"]))
        top = [r for r in t.table(out)[:3] if r["swing"] > 1e-9]
        self.text.value = html.escape(
            f"Moves the {words} most: " + ", ".join(f"{r['label']} ({r['change_low']:+.3g} / {r['change_high']:+.3g} "
                                                    f"{unit})" for r in top)
            if top else f"No input changes the {words} at this size of change.")


@_guard
def sensitivity_app(preset: str = "three-step", rel: float = 0.1):
    return SensitivityApp(preset, rel=rel)


# ----------------------------------------------------------------------------- uncertainty
class UncertaintyApp(w.VBox):
    def __init__(self, preset: str = "three-step", n: int = 3000):
        from bokeh.models import ColumnDataSource
        from bokeh.plotting import figure

        self.n = int(n)
        self.message = _Message()
        self.preset = _preset_dropdown(preset)
        self.press = w.ToggleButtons(options=[("manual press", "manual"), ("automatic press", "automatic")],
                                     value="manual")
        self.materials = w.Checkbox(value=True, description="include material spread (SE conductivity ±50 %, ...)",
                                    layout=w.Layout(width="480px"))
        self.output = w.Dropdown(options=_outputs(["total_asr"]), value="total_asr", description="show",
                                 style={"description_width": "90px"}, layout=w.Layout(width="520px"))
        self.text = w.HTML()
        self.text.add_class("pbx-text")
        self.hist = ColumnDataSource({"left": [], "right": [], "top": []})
        self.bands = ColumnDataSource({"x": [], "q5": [], "q25": [], "q50": [], "q75": [], "q95": []})
        self.nominal = ColumnDataSource({"x": [], "y": []})
        self.hist_alt, self.band_alt = common.FigureText(), common.FigureText()
        h = figure(width=460, height=340, title="distribution over samples", y_axis_label="samples", tools="save")
        h.quad(left="left", right="right", bottom=0, top="top", source=self.hist, fill_color=BLUE, line_color="white")
        b = figure(width=460, height=340, title="band vs cathode bonding pressure", x_axis_label="nominal pressure (MPa)",
                   tools="save")
        b.varea(x="x", y1="q5", y2="q95", source=self.bands, fill_color=BLUE, fill_alpha=0.2, legend_label="5-95 %")
        b.varea(x="x", y1="q25", y2="q75", source=self.bands, fill_color=BLUE, fill_alpha=0.4, legend_label="25-75 %")
        b.line("x", "q50", source=self.bands, line_color=BLUE, line_width=2, legend_label="median")
        b.line("x", "y", source=self.nominal, line_color=ORANGE, line_dash="dashed", legend_label="no scatter")
        legend_outside(b)
        self.hist_fig, self.band_fig = h, b
        self.mc = None
        for wd in (self.preset, self.press, self.materials):
            wd.observe(_safe(self.message)(lambda c: self.recompute()), "value")
        self.output.observe(_safe(self.message)(lambda c: self.redraw()), "value")
        # first numbers, then the BokehModel: BokehJS sizes the ranges from the data it first receives
        _safe(self.message)(self.recompute)()
        super().__init__([w.HTML("<h2 class='pbx-h'>Uncertainty and reproducibility</h2>"), self.preset,
                          w.HBox([self.press, self.materials]), self.output, self.message,
                          w.HBox([w.VBox([_bokeh(h), self.hist_alt]), w.VBox([_bokeh(b), self.band_alt])]), self.text])
        _classes(self, "pbx-uncertainty", press="pbx-press", text="pbx-text-out", message="pbx-message")

    def _groups(self):
        from ..explore.uncertainty import GROUPS

        return GROUPS if self.materials.value else ("pressure", "hold", "mass")

    def recompute(self):
        from ..explore.uncertainty import monte_carlo

        press = _choice(self.press.value, ("manual", "automatic"), "manual")
        self.mc = monte_carlo(_design(self.preset.value), press=press, groups=self._groups(), n=self.n, seed=0)
        r = self.mc.batch
        opts = ["total_asr", "worst_risk"] + [f"porosity: {x}" for x in r.layers if "anode" not in x] + \
               [f"risk: {x}" for x in r.risk_labels]
        keep = self.output.value if self.output.value in opts else "total_asr"
        self.output.options = _outputs(opts)
        self.output.value = keep
        self.redraw()

    def redraw(self):
        from ..explore.process_map import step_of
        from ..explore.uncertainty import band

        mc = self.mc
        out = _choice(self.output.value, [v for _, v in self.output.options], "total_asr")
        counts, edges = mc.histogram(out, bins=40)
        self.hist.data = {"left": list(edges[:-1]), "right": list(edges[1:]), "top": list(counts)}
        self.hist_fig.title.text = f"{output_label(out)[0]}: {mc.n} samples, {mc.press} press"
        self.hist_fig.xaxis.axis_label = output_title(out)
        k = step_of(mc.design, "cathode") or 1
        path = f"steps.{k}.pressure"
        xs = np.linspace(250.0, 650.0, 9)
        b = band(mc.design, path, xs, press=mc.press, groups=mc.groups, n=300, seed=0, outputs=(out,))
        q = b[out]
        self.bands.data = {"x": list(xs), "q5": list(q[5]), "q25": list(q[25]), "q50": list(q[50]),
                           "q75": list(q[75]), "q95": list(q[95])}
        nom = band(mc.design, path, xs, press="none", groups=(), n=1, outputs=(out,))[out][50]
        self.nominal.data = {"x": list(xs), "y": list(nom)}
        self.band_fig.title.text = f"{output_label(out)[0]} vs step {k} pressure"
        self.band_fig.yaxis.axis_label = output_title(out)
        words, unit = output_label(out)
        self.hist_alt.say(describe.histogram_alternative(words, unit, counts, edges, f"{mc.press} press"))
        self.band_alt.say(describe.band_alternative(words, unit, f"step {k} pressure", xs, q[5], q[50], q[95], nom))
        lines = [unbroken_ranges(html.escape(plain_text(s))) for s in mc.summary().splitlines()]
        self.text.value = "<br>".join(lines)


@_guard
def uncertainty_app(preset: str = "three-step", n: int = 3000):
    return UncertaintyApp(preset, n=n)
