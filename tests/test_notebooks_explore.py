"""The design-space apps: their UI functions react to input, and their notebooks execute cleanly."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("ipywidgets")
pytest.importorskip("jupyter_bokeh")

from pressbook.apps import explore as ui  # noqa: E402

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
APPS = {"process_map": "ProcessMapApp", "optimiser": "OptimiserApp", "sensitivity": "SensitivityApp",
        "uncertainty": "UncertaintyApp"}


def test_feasible_outline_of_a_square():
    mask = np.zeros((4, 4), bool)
    mask[1:3, 1:3] = True  # a 2x2 feasible block on a unit grid: its outline is 8 unit edges
    seg = ui.feasible_outline(np.arange(4.0), np.arange(4.0), mask)
    assert len(seg["x0"]) == 8
    assert min(seg["x0"] + seg["x1"]) == 0.5 and max(seg["x0"] + seg["x1"]) == 2.5


def test_process_map_app_reacts():
    ui.setup()
    app = ui.process_map_app(n=21)
    assert isinstance(app, ui.ProcessMapApp)
    before = dict(app.outline.data)
    app.level.value = 0.7
    assert app.outline.data != before and app.message.value == ""
    app.output.value = "risk: cathode particle cracking (cathode)"
    z = app.image.data["image"][0]
    assert z.shape == (21, 21) and np.nanmax(z) == pytest.approx(1.0)
    assert app.box.data["left"] == [250.0] and app.box.data["top"] == [500.0]
    assert len(app.best.data["x"]) == 1
    app.preset.value = "minnmann2021"
    assert "Minnmann" in app.figure.title.text


def test_process_map_app_bad_input_is_a_message_not_an_error():
    app = ui.process_map_app(n=11)
    app.output.options = list(app.output.options) + ["nonsense"]
    app.output.value = "nonsense"  # as a visitor could send through the comm
    assert "cannot be used" in app.message.value
    bad = ui.process_map_app(n=1)  # a build that fails gives a message widget, no traceback
    assert isinstance(bad, ui._Message) and bad.value


def test_optimiser_app_runs_and_explains():
    app = ui.optimiser_app(n=600)
    assert "binding constraint" in app.text.value
    assert len(app.front.data["asr"]) > 3 and len(app.best.data["asr"]) == 1
    app.press.value = 30.0  # kN on the 10 mm die: at most 382 MPa
    app.run.click()
    assert "upper limit 382 MPa" in app.text.value
    assert app.result.values["steps.2.pressure"] <= 382.0


def test_sensitivity_app_sorts_bars():
    app = ui.sensitivity_app()
    labels = list(app.figure.y_range.factors)
    assert labels == app.source.data["label"] and len(labels) == ui.SensitivityApp.TOP
    swing = np.maximum(np.abs(app.source.data["low"]), np.abs(app.source.data["high"]))
    assert np.all(np.diff(swing) >= 0)  # the largest at the top of the chart
    app.output.value = "risk: cathode particle cracking (cathode)"
    assert app.figure.y_range.factors[-1] == "step 2 pressure (cathode)"


def test_uncertainty_app_manual_vs_automatic():
    app = ui.uncertainty_app(n=500)
    app.materials.value = False
    width_manual = np.ptp(app.hist.data["left"] + app.hist.data["right"])
    app.press.value = "automatic"
    width_auto = np.ptp(app.hist.data["left"] + app.hist.data["right"])
    assert width_auto < width_manual
    assert len(app.bands.data["q50"]) == 9 and "matters most" in app.text.value


@pytest.mark.notebook
@pytest.mark.parametrize("name", sorted(APPS))
def test_notebook_executes(name):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    nb = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert len(code) <= 3, "notebooks stay thin: the app lives in pressbook.apps.explore"
    nbclient.NotebookClient(nb, timeout=180, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOKS)}}).execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    text = " ".join(str(o.get("text", "")) + str(o.get("data", {}).get("text/plain", "")) for o in outputs)
    assert "Traceback" not in text and "Error" not in text
    views = [o for o in outputs if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]
    assert views, "the app is displayed as a widget"
    assert APPS[name] in text
