"""pressbook.apps.figure_widget: one PATCH-DOC per figure inside hold(), browser events not applied,
refresh() for pages that connect later; and the designer's use of them (Designer.apply_query)."""
import json
import os

import pytest
from bokeh.document import Document
from bokeh.models import ColumnDataSource, Range1d
from bokeh.plotting import figure

import pressbook.apps.designer.app as app_mod
from pressbook.apps.common import find_widgets
from pressbook.apps.figure_widget import SYNC_FILTER_JS, FigureWidget, hold


def _figure():
    a = ColumnDataSource({"x": [1, 2], "y": [3, 4]}, name="a")
    b = ColumnDataSource({"x": [5], "y": [6]}, name="b")
    f = figure(width=200, height=200)
    f.scatter("x", "y", source=a)
    f.line("x", "y", source=b)
    return f, a, b


def _capture(fw, monkeypatch):
    sent = []
    monkeypatch.setattr(fw, "send", lambda content, buffers=None: sent.append(content))
    return sent


def _patches(sent):
    """The PATCH-DOC contents among the sent messages (header, metadata, content: 3 messages each)."""
    assert len(sent) % 3 == 0
    return [json.loads(sent[i + 2]["payload"]) for i in range(0, len(sent), 3)]


def test_hold_sends_one_patch_that_bokeh_applies(monkeypatch):
    f, a, b = _figure()
    fw = FigureWidget(f)
    page = Document.from_json(next(iter(fw.render_bundle["docs_json"].values())))  # what a page holds
    sent = _capture(fw, monkeypatch)
    with hold([fw]):
        a.data = {"x": [7, 8, 9], "y": [1, 2, 3]}
        b.data = {"x": [0.5], "y": [2.5]}
        assert sent == []  # nothing leaves before the block ends
    (patch,) = _patches(sent)
    assert [e["kind"] for e in patch["events"]] == ["ColumnDataChanged", "ColumnDataChanged"]
    assert fw.patches_sent == 1
    page.apply_json_patch(patch)
    assert dict(page.get_model_by_name("a").data) == {"x": [7, 8, 9], "y": [1, 2, 3]}
    assert dict(page.get_model_by_name("b").data) == {"x": [0.5], "y": [2.5]}


def test_without_hold_every_change_is_a_patch(monkeypatch):
    f, a, b = _figure()
    fw = FigureWidget(f)
    sent = _capture(fw, monkeypatch)
    a.data = {"x": [1], "y": [1]}
    b.data = {"x": [2], "y": [2]}
    assert len(_patches(sent)) == 2 and fw.patches_sent == 2


def test_browser_events_are_not_applied():
    f, a, b = _figure()
    f.x_range = Range1d(0, 10)
    fw = FigureWidget(f)
    # what BokehJS sends after drawing (an auto-range) and jupyter_bokeh's echo of a patch
    fw._sync_model(fw, {"event": "jsevent", "kind": "ModelChanged", "model": {"id": f.x_range.id},
                        "attr": "start", "new": 5.0}, [])
    fw._sync_model(fw, {"event": "jsevent", "kind": "ModelChanged", "model": {"id": a.id}, "attr": "data",
                        "new": {"type": "map", "entries": [["x", [0]], ["y", [0]]]}}, [])
    assert f.x_range.start == 0 and dict(a.data) == {"x": [1, 2], "y": [3, 4]}


def test_refresh_puts_current_data_in_the_render_bundle():
    f, a, b = _figure()
    fw = FigureWidget(f)
    a.data = {"x": [42.5], "y": [1]}
    assert "42.5" not in json.dumps(fw.render_bundle)
    fw.refresh()
    assert "42.5" in json.dumps(fw.render_bundle)


def test_designer_update_is_one_patch_per_figure(monkeypatch):
    app = app_mod.build_designer("preset=three-step")
    sent = {k: _capture(m, monkeypatch) for k, m in app.models.items()}
    app.state.set_field("steps.2.pressure", 420.0)
    counts = {k: len(_patches(s)) for k, s in sent.items()}
    assert counts == {"compaction": 1, "cross_section": 1, "history": 1, "impedance": 1, "layers": 1}
    # the cross-section patch carries both sources of that figure (layers and interfaces)
    (patch,) = _patches(sent["cross_section"])
    ids = {e["model"]["id"] for e in patch["events"]}
    assert ids == {app.figures.sources["xs_layers"].id, app.figures.sources["xs_faces"].id}


def test_apply_query_after_build_refreshes_only_changed_figures(monkeypatch):
    """The preheated notebook builds the default design, then applies the link's query."""
    app = app_mod.build_designer()
    bundles = {k: m.render_bundle for k, m in app.models.items()}
    app.apply_query("preset=three-step")  # the default again: nothing new to serialise
    assert all(m.render_bundle is bundles[k] for k, m in app.models.items())

    monkeypatch.setenv("SERVER_NAME", "lab.example")
    monkeypatch.setenv("SERVER_PORT", "8866")
    monkeypatch.setenv("SCRIPT_NAME", "/voila/render/designer.ipynb")
    app.apply_query("preset=co-press&steps.1.pressure=410MPa")
    assert app.state.preset == "" and app.state.design.steps[0].pressure == 410.0
    bundle = json.dumps(app.models["compaction"].render_bundle)
    assert "410" in bundle and app.models["compaction"].render_bundle is not bundles["compaction"]
    link = app.share.link.value
    assert link.startswith("http://lab.example:8866/voila/render/designer.ipynb?") and "410" in link

    app.apply_query("preset=co-press&steps.1.pressure=lots")
    assert "Step 1 pressure" in app.state.notice  # the link key in words


def test_replaced_editor_rows_are_retired_at_once_and_closed_later(monkeypatch):
    """Switching designs replaces the editor rows; the old rows stop acting at once, and their widgets are
    closed RETIRED_ROWS_CLOSE_AFTER_S later (a page under fast clicks may still be drawing them), so
    neither the kernel nor a page that connects later keeps them."""
    from ipywidgets.widgets.widget import _instances  # every open widget of the kernel

    from pressbook.apps import common

    clock = [1000.0]
    monkeypatch.setattr(common.time, "monotonic", lambda: clock[0])
    monkeypatch.setattr(common, "_retired", [])  # rows retired by earlier tests, on the real clock
    app = app_mod.build_designer("preset=three-step")
    rows = find_widgets(app, "pb-steps-editor")[0].rows_box.children  # 3 steps; co-press has 1
    old = [rows[-1], rows[-1].layout, rows[-1].children[0]]
    assert all(x.comm is not None for x in old)
    live = len(_instances)
    for name in ("co-press", "three-step", "co-press", "three-step"):
        app.apply_query(f"preset={name}")
    assert rows[-1].retired and all(x.comm is not None for x in old)  # still there for a page drawing them
    pressure = app.state.draft["steps"][-1]["pressure"]
    rows[-1].pressure.value = 123.0  # a late value from a retired row changes nothing
    assert app.state.draft["steps"][-1]["pressure"] == pressure
    clock[0] += common.RETIRED_ROWS_CLOSE_AFTER_S
    app.apply_query("preset=co-press")
    clock[0] += common.RETIRED_ROWS_CLOSE_AFTER_S
    app.apply_query("preset=three-step")
    assert all(x.comm is None for x in old)
    # back on the same design: as many widgets as before, plus the rows retired a moment ago (1,116 when kept)
    assert len(_instances) == live + sum(len(ws) for when, ws in common._retired if when == clock[0])


def test_load_bokehjs_publishes_one_copy(monkeypatch):
    import IPython.display

    from pressbook.apps import common

    published = []
    monkeypatch.delenv("PRESSBOOK_BOKEHJS_IN_PAGE", raising=False)  # not a kernel of pressbook's server (test_bokehjs)
    monkeypatch.setattr(common, "_BOKEHJS_LOADED", False)
    monkeypatch.setattr(common, "_PAGE_SUPPORT", True)  # the page styles and script: test_page_support_once
    monkeypatch.setattr(IPython.display, "publish_display_data", lambda data, **kw: published.append(data))
    common.load_bokehjs()
    common.load_bokehjs()  # once per kernel
    assert len(published) == 1 and list(published[0]) == ["application/javascript"]
    js = published[0]["application/javascript"]
    assert len(js) > 1_000_000 and "Bokeh" in js
    # the echo filter runs after BokehJS, in the same script (Bokeh is defined by then)
    assert js.endswith(SYNC_FILTER_JS) and len(js) - len(SYNC_FILTER_JS) > 1_000_000


def test_page_support_once(monkeypatch):
    """The shared page styles and script are published once per kernel, by load_bokehjs or directly."""
    import IPython.display

    from pressbook.apps import common

    published = []
    monkeypatch.setattr(common, "_PAGE_SUPPORT", False)
    monkeypatch.setattr(common, "_BOKEHJS_LOADED", True)
    monkeypatch.setattr(IPython.display, "publish_display_data", lambda data, **kw: published.append(data))
    common.load_bokehjs()
    common.page_support()
    assert published == [{"text/html": common.PAGE_CSS}, {"application/javascript": common.PAGE_JS}]
    assert "focus-visible" in common.PAGE_CSS and "max-width: 900px" in common.PAGE_CSS


def test_fit_width_makes_figures_follow_the_screen():
    """A fixed-width figure (or row of them) stretches to its widget, at most as wide as it was built."""
    from bokeh.layouts import row
    from bokeh.plotting import figure

    f, g = figure(width=370, height=300), figure(width=300, height=300)
    fw = FigureWidget(row(f, g))
    assert (f.sizing_mode, f.max_width, g.max_width) == ("stretch_width", 370, 300)
    assert fw.layout.width == "670px" and fw.layout.max_width == "100%"
