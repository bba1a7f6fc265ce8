"""The designer's Bokeh figures: built once, updated by replacing ``ColumnDataSource.data``.

``DesignerFigures.update(outcome, pinned)`` pushes an Outcome (and the pinned design A's outcome,
or None) into every source. Figures never compute physics: columns come from ``views.columns``.
"""
from __future__ import annotations

from bokeh.layouts import row
from bokeh.models import ColumnDataSource, FactorRange, HoverTool, LinearAxis, Range1d, SingleIntervalTicker
from bokeh.plotting import figure

from ...views import columns as col
from ...views import describe
from ..common import FigureText, legend_outside
from ..figure_widget import FigureWidget, hold

A_COLOUR = "#666666"
XS_BLOCK = 1.0  # width of one stack and its labels in the stack drawing (A's stack: the next block)
W, H = 370, 300  # px; toolbar above
H_LEGEND = 360  # px: a figure with its legend below the plot area keeps a plot area about as high
MIN_W = 300  # px: the narrowest the Nyquist and Bode plots get before the row puts one under the other
WRAP_ROW = ":host { flex-wrap: wrap; }"  # a Bokeh row whose figures go one under the other when narrow


def _src(name: str, data: dict) -> ColumnDataSource:
    return ColumnDataSource(data=data, name=name)


def _assign(source: ColumnDataSource, data: dict) -> None:
    """Replace a source's data, only when it changed (each change is sent to the browser)."""
    if dict(source.data) != data:
        source.data = data


#: Titles of the figures that show the pinned design A: (without A, with A pinned).
TITLES = {"cross_section": ("Stack to scale", "Stack to scale: current (left), A (right)"),
          "nyquist": ("Nyquist plot (dotted: 90 % band)", "Nyquist plot: current, A grey dashed (dotted: 90 % band)")}

class DesignerFigures:
    """Compaction, cross-section, history and impedance (Nyquist + Bode) with named sources ('pb-...')."""

    def __init__(self, library=None):
        self.library = library
        s = self.sources = {}
        points = ("pressure", "density", "step", "layer", "colour")
        lines = ("xs", "ys", "name", "label", "colour", "dash")
        spectrum = ("freq", "z_real", "minus_z_imag", "magnitude", "minus_phase")
        bars = ("name", "value", "low", "high", "colour")
        for name, keys in {
            "curves": ("xs", "ys", "name", "colour"), "points": points, "points_a": points,
            "xs_layers": ("left", "right", "bottom", "top", "colour", "alpha", "name", "porosity", "thickness",
                          "label_x", "label_y", "text", "anchor_y", "lead_x"),
            "xs_faces": ("x0", "x1", "y", "colour", "contact", "quality", "name", "zone_bottom", "zone_top", "depth",
                         "label_x", "label_y", "text", "lead_x"),
            "hist_lines": lines, "hist_lines_a": lines, "hist_marks": ("step", "value", "name", "kind", "colour"),
            "imp": spectrum, "imp_a": spectrum,
            "imp_band": ("freq", "z_real_low", "z_real_high", "minus_z_imag_low", "minus_z_imag_high",
                         "magnitude_low", "magnitude_high"),
            "porosity_bars": bars, "sigma_bars": bars,
        }.items():
            s[name] = _src(f"pb-{name}", {k: [] for k in keys})
        self.figures = {
            "compaction": self._compaction(), "cross_section": self._cross_section(), "history": self._history(),
            # one document for both: they share the spectrum source (a source lives in one document); side by
            # side where there is room for both, one under the other on a phone (the row wraps)
            "impedance": row(self._nyquist(), self._bode(), name="pb-fig-impedance", stylesheets=[WRAP_ROW]),
            # porosity and conductivity per layer with their 90 % whiskers: one document, they change together
            "layers": row(self._bars("porosity_bars", "Porosity per layer (whiskers: 90 % band)", "porosity (%)",
                                     "{0.0}"),
                          self._bars("sigma_bars", "Ionic conductivity (whiskers: 90 % band)",
                                     "ionic conductivity (mS/cm)", "{0.000}"),
                          name="pb-fig-layers", stylesheets=[WRAP_ROW]),
        }
        self.titled = {"cross_section": self.figures["cross_section"], "nyquist": self.figures["impedance"].children[0]}
        self.widgets: dict[str, FigureWidget] = {}  # filled by wrap()
        #: each figure's text alternative (class pb-figure-text), kept equal to the data it shows
        self.texts = {k: FigureText() for k in self.figures}
        for k, t in self.texts.items():
            t.add_class(f"pb-text-{k}")

    def wrap(self) -> dict[str, FigureWidget]:
        """The figures as widgets (class ``pb-fig-<name>``), serialised with the data they hold now."""
        self.widgets = {k: FigureWidget(f) for k, f in self.figures.items()}
        for k, fw in self.widgets.items():
            fw.add_class(f"pb-fig-{k}")
        return self.widgets

    # ------------------------------------------------------------------ figures
    @staticmethod
    def _fig(name, title, x_label, y_label, height=H, **kw):
        f = figure(width=W, height=height, title=title, name=f"pb-fig-{name}", x_axis_label=x_label, y_axis_label=y_label,
                   tools="pan,wheel_zoom,box_zoom,reset,save", toolbar_location="above", **kw)
        f.toolbar.logo = None
        return f

    def _compaction(self):
        s = self.sources
        f = self._fig("compaction", "Compaction (curves: loose fill; ◆ steps, ○ A)", "pressure (MPa)",
                      "relative density (under load)", y_range=(0.4, 1.0), height=H_LEGEND)
        f.multi_line("xs", "ys", source=s["curves"], line_color="colour", line_width=2, legend_field="name")
        f.scatter("pressure", "density", source=s["points_a"], size=9, marker="circle", fill_color=None,
                  line_color=A_COLOUR, line_width=2)
        r = f.scatter("pressure", "density", source=s["points"], size=9, marker="diamond", fill_color="colour",
                      line_color="#000000", legend_label="operating points")
        f.add_tools(HoverTool(renderers=[r], tooltips=[("", "@step: @layer"), ("pressure", "@pressure{0.0} MPa"),
                                                       ("density", "@density{0.000}")]))
        legend_outside(f, "below", ncols=1, font_size="10px")  # one per row: a layer's name and its materials
        return f

    def _cross_section(self):
        s = self.sources
        f = self._fig("cross_section", TITLES["cross_section"][0], "", "height (µm)",
                      x_range=Range1d(0.0, XS_BLOCK), height=H_LEGEND)
        f.xaxis.visible = False
        f.xgrid.visible = False
        r = f.quad(left="left", right="right", bottom="bottom", top="top", source=s["xs_layers"], fill_color="colour",
                   fill_alpha="alpha", line_color="#000000")
        f.quad(left="x0", right="x1", bottom="zone_bottom", top="zone_top", source=s["xs_faces"], fill_alpha=0.0,
               hatch_pattern="/", hatch_color="#000000", hatch_alpha=0.6, line_color=None,
               legend_label="intermixed zone")
        f.segment(x0="x0", x1="x1", y0="y", y1="y", source=s["xs_faces"], line_color="colour", line_width=4)
        # labels beside the stack (columns.cross_section_columns), never over the layers or the hatching,
        # each joined to its layer or interface by a thin leader line; the contact class in words beside each
        # interface: colour is never the only cue
        f.segment(x0="right", y0="anchor_y", x1="lead_x", y1="label_y", source=s["xs_layers"],
                  line_color="#555555", line_width=1)
        f.segment(x0="x1", y0="y", x1="lead_x", y1="label_y", source=s["xs_faces"], line_color="colour",
                  line_width=1.5)
        for source, size in ((s["xs_layers"], "9px"), (s["xs_faces"], "9px")):
            f.text("label_x", "label_y", text="text", source=source, text_font_size=size, text_baseline="middle",
                   text_line_height=1.1)
        for label, (_, _, colour) in zip(("contact good (≥0.8)", "fair (0.5-0.8)", "poor (<0.5)"),
                                         col.CONTACT_CLASSES):
            f.line([-5.0, -4.0], [0.0, 0.0], line_color=colour, line_width=4, legend_label=label)  # legend only
        f.add_tools(HoverTool(renderers=[r], tooltips=[("layer", "@name"), ("thickness", "@thickness{0.0} µm"),
                                                       ("porosity", "@porosity{0.0} %")]))
        legend_outside(f, "below", font_size="10px")
        return f

    def _history(self):
        s = self.sources
        f = self._fig("history", "History through the steps", "step", "relative density (solid) / contact (dashed)",
                      y_range=(0.0, 1.02), height=H_LEGEND)
        f.multi_line("xs", "ys", source=s["hist_lines_a"], line_color=A_COLOUR, line_width=1.5, line_alpha=0.7,
                     line_dash="dash")
        f.multi_line("xs", "ys", source=s["hist_lines"], line_color="colour", line_width=2, line_dash="dash",
                     legend_field="label")
        r = f.scatter("step", "value", source=s["hist_marks"], size=7, fill_color="colour", line_color="#000000")
        f.add_tools(HoverTool(renderers=[r], tooltips=[("", "@name, step @step{0}"), ("@kind", "@value{0.000}")]))
        f.xaxis.ticker = SingleIntervalTicker(interval=1)
        legend_outside(f, "below", font_size="10px")
        return f

    def _nyquist(self):
        s = self.sources
        f = self._fig("nyquist", TITLES["nyquist"][0], "Z' (Ω)", "-Z'' (Ω)", match_aspect=True, min_width=MIN_W)
        f.line("z_real", "minus_z_imag", source=s["imp_a"], line_color=A_COLOUR, line_width=2, line_dash="dashed")
        # the 90 % band: the spectra of the 5 % and 95 % draws at each frequency, thin dotted
        for lo_hi in ("low", "high"):
            f.line(f"z_real_{lo_hi}", f"minus_z_imag_{lo_hi}", source=s["imp_band"], line_color=col.PALETTE[0],
                   line_width=1, line_dash="dotted", line_alpha=0.8)
        r = f.line("z_real", "minus_z_imag", source=s["imp"], line_color=col.PALETTE[0], line_width=2)
        f.scatter("z_real", "minus_z_imag", source=s["imp"], size=3, color=col.PALETTE[0])
        f.add_tools(HoverTool(renderers=[r], tooltips=[("f", "@freq{0.00a} Hz"), ("Z'", "@z_real{0.0} Ω"),
                                                       ("-Z''", "@minus_z_imag{0.0} Ω")]))
        return f

    def _bars(self, name, title, y_label, number):
        """Bars of one per-layer quantity (``name``: its source) with a whisker from its 5 % to its 95 % value."""
        source = self.sources[name]
        f = self._fig(name.replace("_", "-"), title, "layer", y_label, x_range=FactorRange(), min_width=MIN_W)
        f.y_range.start = 0.0
        r = f.vbar(x="name", top="value", width=0.6, source=source, fill_color="colour", fill_alpha=0.6,
                   line_color="#000000")
        # the whisker as glyphs (not a Whisker annotation): the automatic y range then holds the whole band
        f.segment(x0="name", y0="low", x1="name", y1="high", source=source, line_color="#000000", line_width=1.5)
        for end in ("low", "high"):
            f.scatter("name", end, source=source, marker="dash", size=14, line_color="#000000", line_width=1.5)
        f.add_tools(HoverTool(renderers=[r], tooltips=[("", "@name"), (y_label, f"@value{number}"),
                                                       ("90 % band", f"@low{number} – @high{number}")]))
        f.xgrid.visible = False
        return f

    def _bode(self):
        s = self.sources
        f = self._fig("bode", "Bode: |Z| (solid, shaded: 90 % band) and -phase (dotted, right axis)", "frequency (Hz)", "|Z| (Ω)",
                      x_axis_type="log", y_axis_type="log", min_width=MIN_W)

        f.extra_y_ranges = {"phase": Range1d(0, 90)}
        f.add_layout(LinearAxis(y_range_name="phase", axis_label="-phase (°)"), "right")
        f.varea("freq", "magnitude_low", "magnitude_high", source=s["imp_band"], fill_color=col.PALETTE[0],
                fill_alpha=0.15)  # the 90 % band of |Z|
        f.line("freq", "magnitude", source=s["imp_a"], line_color=A_COLOUR, line_width=2, line_dash="dashed")
        f.line("freq", "minus_phase", source=s["imp_a"], line_color=A_COLOUR, line_width=1.5, line_dash="dotted",
               y_range_name="phase")
        f.line("freq", "magnitude", source=s["imp"], line_color=col.PALETTE[0], line_width=2)
        f.line("freq", "minus_phase", source=s["imp"], line_color=col.PALETTE[1], line_width=2, line_dash="dotted",
               y_range_name="phase")
        return f

    # ------------------------------------------------------------------ update
    def update(self, outcome, pinned=None) -> None:
        """Replace every source's data from ``outcome`` (B) and ``pinned`` (A's outcome or None).
        Unchanged sources are left alone; the changes reach the browser as one patch per figure."""
        s = self.sources
        curves, points = col.compaction_columns(outcome, self.library)
        span = max(sum(l.thickness for l in o.layers) for o in (outcome, pinned) if o is not None)
        xs = col.cross_section_columns(outcome, 0.0, "", span)
        if pinned is not None:  # A's stack in the block beside B's
            xa = col.cross_section_columns(pinned, XS_BLOCK, "A: ", span)
            xs = {k: col.merge_columns(xs[k], xa[k]) for k in xs}
        lines, marks = col.history_columns(outcome)
        new = {"curves": curves, "points": points, "xs_layers": xs["layers"], "xs_faces": xs["interfaces"],
               "hist_lines": lines, "hist_marks": marks, "imp": col.impedance_columns(outcome),
               "imp_band": col.band_columns(outcome)}
        new["porosity_bars"], new["sigma_bars"] = col.layer_band_columns(outcome)
        if pinned is not None:
            new.update(points_a=col.compaction_columns(pinned, self.library)[1],
                       hist_lines_a=col.history_columns(pinned, "A: ")[0], imp_a=col.impedance_columns(pinned))
        else:
            new.update({name: col.empty_like(s[name].data) for name in ("points_a", "hist_lines_a", "imp_a")})
        with hold(self.widgets.values()):
            for name, data in new.items():
                _assign(s[name], data)
            for fig, name in zip(self.figures["layers"].children, ("porosity_bars", "sigma_bars")):
                if list(fig.x_range.factors) != new[name]["name"]:  # the layers' names are the categories
                    fig.x_range.factors = list(new[name]["name"])
            x_range = self.figures["cross_section"].x_range
            x_end = XS_BLOCK * (1 if pinned is None else 2)
            if x_range.end != x_end:
                x_range.end = x_end
            for name, (alone, with_a) in TITLES.items():  # say "A" only when A is pinned
                title = self.titled[name].title
                text = alone if pinned is None else with_a
                if title.text != text:
                    title.text = text
        for key, text in (("compaction", describe.compaction_text(points)),
                          ("cross_section", describe.stack_text(xs["layers"], xs["interfaces"])),
                          ("history", describe.history_text(marks)),
                          ("impedance", describe.impedance_text(new["imp"], new["imp_band"])),
                          ("layers", describe.layer_bands_alternative(
                              new["porosity_bars"], new["sigma_bars"],
                              outcome.bands.laboratory.label if outcome.bands is not None else ""))):
            self.texts[key].say(text)
