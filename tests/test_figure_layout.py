"""Figures that show their data whole (issue 16): every legend of every app's figures sits beside the plot area,
never inside it over the data; the designer's stack drawing puts its labels beside the stack, clear of the
hatched intermixed zones and of each other.

Every app is built as its notebook builds it (smaller grids for speed); every figure it wraps as a widget is
recorded and checked, so a figure added later is checked too."""
from __future__ import annotations

import warnings
from itertools import pairwise
from pathlib import Path

import pytest

from pressbook import presets, simulate
from pressbook.apps import common
from pressbook.apps.figure_widget import FigureWidget
from pressbook.views import columns as col

DATA = Path(__file__).resolve().parents[1] / "notebooks" / "data"


def _designer():
    from pressbook.apps.designer.app import build_designer

    build_designer("preset=three-step")


def _explore():
    from pressbook.apps import explore as ui

    ui.process_map_app(n=7)
    ui.optimiser_app(n=300)
    ui.sensitivity_app()
    ui.uncertainty_app(n=200)


def _teaching():
    from pressbook.apps.teaching import explorer, goal, impedance, why

    for part in ("part_voids", "part_substrate", "part_bonding", "part_anode", "part_failures"):
        getattr(why, part)()
    ex = explorer.Explorer()
    for section in (ex.density_section, ex.transforms_section, ex.springback_section, ex.friction_section,
                    ex.hot_section, ex.certainty_section):
        section()
    impedance.lab_section()
    impedance.stack_section()
    goal.section()


def _onboarding():
    from pressbook.apps.onboarding import CalibrateApp, ProtocolCardApp

    ProtocolCardApp()
    CalibrateApp(DATA)


def _lablog(tmp_path):
    from pressbook.apps.lablog import LabLogApp

    LabLogApp(tmp_path / "lab.sqlite")


APPS = {"designer": _designer, "explore": _explore, "teaching": _teaching, "onboarding": _onboarding,
        "lablog": _lablog}


@pytest.fixture
def wrapped(monkeypatch):
    """The Bokeh models every FigureWidget is built with, while the test runs."""
    seen = []
    init = FigureWidget.__init__

    def record(self, model, *args, **kw):
        seen.append(model)
        init(self, model, *args, **kw)

    monkeypatch.setattr(FigureWidget, "__init__", record)
    return seen


def _legends(model):
    from bokeh.models import Legend

    return list(model.select({"type": Legend}))


@pytest.mark.parametrize("app", APPS)
def test_no_legend_covers_data(app, wrapped, tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        APPS[app](tmp_path) if app == "lablog" else APPS[app]()
    assert wrapped, f"{app}: no figure was built"
    assert any(_legends(m) for m in wrapped), f"{app}: no legend found at all (the check would check nothing)"
    inside = [title for m in wrapped for title in common.legends_in_plot_area(m)]
    assert inside == [], f"{app}: legends inside the plot area of {inside}"


def test_legend_outside_moves_a_legend_out_of_the_plot_area():
    from bokeh.plotting import figure

    f = figure(title="t", width=370, height=300)
    f.line([0, 1], [0, 1], legend_label="one")
    f.scatter([0, 1], [1, 0], legend_label="two")
    assert common.legends_in_plot_area(f) == ["t"]  # Bokeh's default: inside, top right
    common.legend_outside(f, "below")
    assert common.legends_in_plot_area(f) == []
    (legend,) = f.below[-1:]
    assert legend.ncols == 2 and len(legend.items) == 2
    f.line([0, 1], [0.5, 0.5], legend_label="three")  # a glyph added later joins the legend outside
    assert common.legends_in_plot_area(f) == [] and len(legend.items) == 3
    common.legend_outside(f, "right")
    assert legend in f.right and legend not in f.below and legend.orientation == "vertical"


# ---------------------------------------------------------------------------- the stack drawing's labels
def _stack_drawing(pinned: bool):
    from pressbook.apps.designer.figures import DesignerFigures

    figs = DesignerFigures()
    b = simulate(presets.preset("co-press"))
    a = simulate(presets.preset("three-step")) if pinned else None
    figs.update(b, a)
    return figs.figures["cross_section"]


def _glyph_data(fig):
    """(hatched rectangles, label rows, stack rectangles) read from the figure's own glyphs and their sources."""
    from bokeh.models import Quad, Text

    hatched, labels, stacks = [], [], []
    for r in fig.renderers:
        g, d = r.glyph, r.data_source.data
        if isinstance(g, Quad):
            rects = list(zip(d[g.left], d[g.right], d[g.bottom], d[g.top]))
            (hatched if g.hatch_pattern not in (None, " ", "") else stacks).extend(rects)
        elif isinstance(g, Text):
            labels.extend(zip(d[g.x], d[g.y], d[g.text]))
    return hatched, labels, stacks


@pytest.mark.parametrize("pinned", [False, True], ids=["alone", "A pinned"])
def test_stack_labels_sit_beside_the_stack_clear_of_the_hatching(pinned):
    fig = _stack_drawing(pinned)
    hatched, labels, stacks = _glyph_data(fig)
    assert hatched and stacks and len(labels) == (10 if pinned else 5)  # 3 layers + 2 interfaces per stack
    top = max(t for *_, t in stacks)
    lefts = sorted({round(l, 9) for l, *_ in stacks})
    for x, y, text in labels:
        # the stack this label belongs to: the last one starting left of it; the label starts right of that
        # stack and of every hatched zone, and before the next stack (A's)
        own = max(l for l in lefts if l <= x)
        right_edge = max(r for l, r, *_ in stacks + hatched if round(l, 9) == own)
        assert x > right_edge, f"{text!r} starts at x={x} inside its stack or hatching (right edge {right_edge})"
        after = [l for l in lefts if l > own]
        assert not after or x + 0.5 < after[0], f"{text!r} runs into the next stack"
        assert fig.x_range.start <= x < fig.x_range.end - 0.5, f"{text!r} outside the drawing"
        assert 0.0 <= y <= top
    # labels of one stack do not cover each other: their text boxes (lines x LABEL_LINE of the height) are apart
    for own in lefts:
        rows = sorted((y, text.count("\n") + 1) for x, y, text in labels if max(l for l in lefts if l <= x) == own)
        for (y0, n0), (y1, n1) in pairwise(rows):
            assert y1 - y0 >= (n0 + n1) / 2 * col.LABEL_LINE * top - 1e-9, (y0, y1)


def test_spread_labels_keeps_order_distance_and_stays_inside():
    ys = col.spread_labels([10, 11, 12, 95], [10, 10, 10, 10], 100.0)
    assert ys == sorted(ys)
    assert all(b - a >= 10 + col.LABEL_GAP * 100 - 1e-9 for a, b in pairwise(ys))
    assert ys[-1] <= 95 and ys[0] >= 5
    assert col.spread_labels([20, 60], [10, 10], 100.0) == [20, 60]  # room enough: where they were wanted


# ---------------------------------------------------------------------------- figures on a 360 px phone
def test_legend_columns_fit_a_phone():
    formulas = ["Li3PS4", "Li6PS5Cl", "Li5.5PS4.5Cl1.5", "NCM622+Li6PS5Cl", "NCM811+Li6PS5Cl"]
    # measured in Chromium: three columns of these at 11 px are 358 px wide, more than a figure on a 360 px phone
    assert common.legend_columns(formulas, 11.0, 3) == 2
    assert common.legend_columns(["a", "b", "c"], 10.0, 3) == 3  # short labels keep the columns asked for
    assert common.legend_columns(["x" * 60, "y"], 10.0, 2) == 1
    # a label longer than any column can hold: one column
    assert common.legend_columns(["cathode (NCM811 70 / Li6PS5Cl 30)", "separator (Li6PS5Cl)"], 13.0, 2) == 1


def test_legend_outside_takes_fewer_columns_when_the_labels_are_long():
    from bokeh.plotting import figure

    f = figure(width=640, height=300)
    for label in ("Li3PS4", "Li6PS5Cl", "Li5.5PS4.5Cl1.5", "NCM622+Li6PS5Cl", "NCM811+Li6PS5Cl"):
        f.line([0, 1], [0, 1], legend_label=label)
    common.legend_outside(f, "below", ncols=3, font_size="11px")
    assert f.legend[0].ncols == 2


def test_every_plot_wraps_its_title_in_the_browser():
    """FigureWidget gives every plot of a layout the title-wrapping callback (run by BokehJS; the browser test
    test_accessibility measures the result at 360 px)."""
    from bokeh.layouts import row
    from bokeh.plotting import figure

    from pressbook.apps.figure_widget import FIT_TITLE_JS

    a, b = figure(width=370, height=300, title="a long title " * 5), figure(width=370, height=300, title="b")
    FigureWidget(row(a, b))
    for plot in (a, b):
        assert [cb.code for cb in plot.js_property_callbacks["change:inner_width"]] == [FIT_TITLE_JS]
        assert [cb.code for cb in plot.title.js_property_callbacks["change:text"]] == [FIT_TITLE_JS]
    assert a.title.text == "a long title " * 5  # the kernel keeps the title as given


def test_the_feasible_window_is_drawn_with_a_dark_edge():
    """The process map's feasible-window outline is white (seen on the dark map) edged dark (seen on the bright
    map and in the legend on white)."""
    from bokeh.models import Segment

    from pressbook.apps import explore as ui

    app = ui.process_map_app(n=5)
    (item,) = [i for i in app.figure.legend[0].items if "feasible window" in i.label.value]
    colours = [r.glyph.line_color for r in item.renderers if isinstance(r.glyph, Segment)]
    assert colours == ["#222222", "white"]
