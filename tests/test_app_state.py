"""The designer's state and controller, and the assembled app driven from Python (no browser)."""
import subprocess
import sys

import pytest

import pressbook.apps.designer.state as st
from pressbook import presets
from pressbook.apps.designer.query import design_from_query
from pressbook.apps.designer.state import Controller, DesignerState, error_key


@pytest.fixture
def counted(monkeypatch):
    """simulate wrapped with a call counter."""
    calls = []
    real = st.simulate

    def counting(*a, **k):
        calls.append(1)
        return real(*a, **k)

    monkeypatch.setattr(st, "simulate", counting)
    return calls


@pytest.fixture
def setup(counted):
    state = DesignerState()
    seen = []
    ctl = Controller(state, [lambda s: seen.append(s.outcome)])
    state.set_design(presets.three_step(), preset="three-step")
    return state, ctl, seen, counted


def test_one_simulate_per_change(setup):
    state, ctl, seen, calls = setup
    assert len(calls) == 1 and len(seen) == 1
    state.set_field("steps.2.pressure", 400.0)
    assert len(calls) == 2 and len(seen) == 2
    assert state.outcome.design.steps[1].pressure == 400.0
    assert seen[-1] is state.outcome
    state.set_field("steps.2.pressure", 400.0)  # same value: no change, no run
    assert len(calls) == 2


def test_invalid_value_keeps_last_outcome_and_names_the_field(setup):
    state, ctl, seen, calls = setup
    good = state.outcome
    state.set_field("steps.2.pressure", 5000.0)
    assert state.outcome is good and len(seen) == 1
    assert list(state.errors) == ["steps.2.pressure"]
    msg = state.errors["steps.2.pressure"]
    assert "5000" in msg and "0.01 to 3000 MPa" in msg
    assert state.draft["steps"][1]["pressure"] == 5000.0  # what was typed is kept
    state.set_field("layers.1.mass", -1.0)  # a second problem while the first is still there
    assert "layers.1.mass" in state.errors or "steps.2.pressure" in state.errors
    state.set_field("layers.1.mass", 12.0)
    state.set_field("steps.2.pressure", 420.0)
    assert state.errors == {} and state.outcome is not good and len(seen) == 2


def test_error_keys():
    assert error_key("layers.1 (cathode).mass") == "layers.1.mass"
    assert error_key("steps.2.pressure") == "steps.2.pressure"


def test_unexpected_exception_becomes_message_with_id(setup, monkeypatch):
    state, ctl, seen, calls = setup
    good = state.outcome

    def boom(*a, **k):
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(st, "simulate", boom)
    state.set_field("steps.1.pressure", 280.0)
    assert state.outcome is good
    assert "error id" in state.errors["app"] and "Traceback" not in state.errors["app"]


def test_view_exception_is_caught(counted):
    state = DesignerState()

    def bad_view(s):
        raise RuntimeError("view")

    Controller(state, [bad_view])
    state.set_design(presets.three_step())
    assert "error id" in state.errors["app"]


def test_compare(setup):
    state, ctl, seen, calls = setup
    state.pin()
    a = state.pinned_outcome
    assert state.pinned.to_dict() == presets.three_step().to_dict()
    n = len(calls)
    assert len(seen) == 2  # pinning redraws, without simulating again
    state.set_field("steps.2.pressure", 360.0)
    assert len(calls) == n + 1
    assert state.pinned_outcome is a and state.outcome is not a
    state.restore_pinned()
    assert state.draft["steps"][1]["pressure"] == 450.0
    state.unpin()
    assert state.pinned is None and state.pinned_outcome is None


def test_structural_edits(setup):
    state, ctl, seen, calls = setup
    state.move_step(1, +1)  # cathode before separator: still a possible order (adjacent layers)
    assert [s["add"] for s in state.draft["steps"]] == [["cathode"], ["separator"], ["anode"]]
    state.move_step(1, -1)  # no-op at the top
    assert state.draft["steps"][0]["add"] == ["cathode"]
    state.move_step(2, -1)
    state.rename_layer(2, "SE")
    assert state.draft["steps"][0]["add"] == ["SE"] and state.errors == {}
    state.add_step()
    assert len(state.draft["steps"]) == 4
    state.remove_step(4)
    state.set_step_adds(3, "SE", True)  # SE added twice: a protocol error on step 3
    assert "steps.3.add" in state.errors
    state.set_step_adds(3, "SE", False)
    assert state.errors == {}
    state.add_layer()
    assert "steps" in state.errors  # the new layer is never added
    state.set_step_adds(3, state.draft["layers"][3]["name"], True)
    assert state.errors == {}
    state.remove_layer(4)
    assert state.errors == {} and len(state.outcome.layers) == 3


def test_import_pressbook_does_not_import_the_app_stack():
    code = "import sys, pressbook, pressbook.apps.designer.query; print(sorted(m for m in ('ipywidgets', 'bokeh', 'traitlets') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


# ---------------------------------------------------------------- the assembled app
app_mod = pytest.importorskip("pressbook.apps.designer.app")
from pressbook.apps.common import find_widgets as _find  # noqa: E402


def test_app_widgets_write_into_state():
    app = app_mod.build_designer("preset=three-step")
    state, ctl = app.state, app.controller
    assert ctl.runs == 1 and state.preset == "three-step"
    summary = _find(app, "pb-summary")[0]
    before = summary.value
    pressure = _find(_find(app, "pb-step-2")[0], "pb-step-pressure")[0]
    pressure.value = 400.0
    assert ctl.runs == 2 and state.outcome.design.steps[1].pressure == 400.0
    assert summary.value != before
    assert len(app.figures.sources["points"].data["pressure"]) == 5
    # unit toggle: the same box now reads kN on the 10 mm die
    _find(app, "pb-pressure-unit")[0].value = "kN"
    pressure = _find(_find(app, "pb-step-2")[0], "pb-step-pressure")[0]
    assert pressure.value == 31.4  # 31.416 kN rounded to 3 significant digits
    assert "typical: cathode bonding 28.3-39.3 kN (360-500 MPa)" in _find(_find(app, "pb-step-2")[0], "pb-hint")[0].value
    pressure.value = 31.4  # the rounded display typed again: the pressure stays 400 MPa
    assert state.draft["steps"][1]["pressure"] == 400.0
    pressure.value = 23.5619
    assert state.draft["steps"][1]["pressure"] == pytest.approx(300.0, rel=1e-4)
    # invalid: message next to the field, last good results stay, typed value kept
    good = state.outcome
    pressure.value = 5000.0
    assert state.outcome is good
    err = _find(_find(app, "pb-step-2")[0], "pb-error")[0]
    # 5000 kN on the 10 mm die
    assert "Step 2 pressure: 63662 MPa is not allowed; use 0.01 to 3000 MPa" in err.value
    assert pressure.value == 5000.0


def test_app_preset_and_share_link():
    app = app_mod.build_designer(None)
    _find(app, "pb-preset")[0].value = "co-press"
    assert len(app.state.outcome.design.steps) == 1
    assert len(_find(app, "pb-step")) == 1
    link = _find(app, "pb-link")[0].value
    assert link == "?preset=co-press"
    _find(_find(app, "pb-step-1")[0], "pb-step-hold")[0].value = 200.0
    link = _find(app, "pb-link")[0].value
    d, problems = design_from_query(link)
    assert problems == [] and d.to_dict() == app.state.design.to_dict()


def test_app_bad_link_shows_notice():
    app = app_mod.build_designer("preset=co-press&steps.1.pressure=lots")
    assert "Step 1 pressure" in app.state.notice and "steps.1" not in app.state.notice
    assert "Step 1 pressure" in _find(app, "pb-notice")[0].value
    assert "pb-note" in _find(app, "pb-notice")[0].value  # a note: the rest of the link was used
    assert "pb-error" not in _find(app, "pb-notice")[0].value
    assert app.state.outcome is not None


def test_app_upload_and_download():
    import base64
    import datetime
    import re

    now = datetime.datetime.now(datetime.timezone.utc)

    app = app_mod.build_designer("preset=doux2020")
    html = _find(app, "pb-download")[0].value
    data = re.search(r"base64,([A-Za-z0-9+/=]+)", html).group(1)
    toml = base64.b64decode(data)
    app2 = app_mod.build_designer(None)
    upload = _find(app2, "pb-upload")[0]
    upload.value = ({"name": "d.toml", "type": "", "size": len(toml), "content": memoryview(toml),
                     "last_modified": now},)
    assert app2.state.design.to_dict() == app.state.design.to_dict()
    assert upload.value == ()
    upload.value = ({"name": "bad.toml", "type": "", "size": 3, "content": memoryview(b"a=["), "last_modified": now},)
    assert "bad.toml" in app2.state.errors["file"]
    assert app2.state.design.to_dict() == app.state.design.to_dict()


def test_app_uses_uploaded_materials():
    """A calibrated material (library TOML, as the calibration app downloads it) becomes usable by name."""
    import datetime

    from pressbook.materials import default_library

    now = datetime.datetime.now(datetime.timezone.utc)
    base = default_library().get("Li6PS5Cl")
    lines = ['["MySE"]', 'name = "my argyrodite"', 'kind = "solid_electrolyte"']
    for key, p in base.params.items():
        value = 150.0 if key == "yield_pressure" else p.value
        lines.append(f'{key} = {{ value = {value!r}, unit = "{p.unit}", estimate = "copied for the test, softer powder" }}')
    toml = ("\n".join(lines) + "\n").encode()
    app = app_mod.build_designer("preset=three-step")
    before = app.state.outcome.layer("separator").relative_density
    up = _find(app, "pb-upload-materials")[0]
    up.value = ({"name": "mine.toml", "type": "", "size": len(toml), "content": memoryview(toml), "last_modified": now},)
    assert "MySE" in app.state.notice and up.value == ()
    app.state.set_layer_material(2, "MySE", None)
    assert app.state.outcome.layer("separator").material == "MySE"
    assert app.state.outcome.layer("separator").relative_density > before  # softer: denser at the same pressure
    bad = b'["X"]\nkind = "solid_electrolyte"\n'
    up.value = ({"name": "bad.toml", "type": "", "size": len(bad), "content": memoryview(bad), "last_modified": now},)
    assert "missing parameter" in app.state.errors["file"]
    assert app.state.outcome.layer("separator").material == "MySE"


def test_app_compare_buttons():
    app = app_mod.build_designer(None)
    _find(app, "pb-pin")[0].click()
    assert app.state.pinned is not None
    _find(_find(app, "pb-step-1")[0], "pb-step-pressure")[0].value = 200.0
    table = _find(app, "pb-diff")[-1].value
    assert "B − A" in table
    assert len(app.figures.sources["imp_a"].data["z_real"]) > 0
    _find(app, "pb-unpin")[0].click()
    assert app.figures.sources["imp_a"].data["z_real"] == []


@pytest.mark.notebook
def test_designer_notebook_runs_in_a_kernel():
    """notebooks/designer.ipynb executes top to bottom (as in JupyterLab) and displays the app."""
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "notebooks" / "designer.ipynb"
    nb = nbformat.read(path, as_version=4)
    assert len(nb.cells) <= 4  # thin
    nbclient.NotebookClient(nb, timeout=120, kernel_name="python3").execute()
    outputs = [o for c in nb.cells for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error" or o.get("name") == "stderr"]
    assert any("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in outputs)


def test_a_refused_rename_leaves_the_design_as_it_was(setup):
    """Issue 14: 'cathode' -> 'separator' (another layer's name) is refused; renaming back must not
    rewrite the real separator's step reference."""
    state, ctl, seen, calls = setup
    before = state.draft
    steps = [s["add"] for s in before["steps"]]
    state.rename_layer(1, "separator")
    assert state.draft == before
    assert state.errors == {"layers.1.name": "layers.1 (cathode).name: got 'separator'; allowed: a name used by one layer only"}
    state.rename_layer(1, "cathode")
    assert state.draft == before and [s["add"] for s in state.draft["steps"]] == steps
    assert state.errors == {}
    for bad in ("", "  ", "x" * 81):
        state.rename_layer(1, bad)
        assert state.draft == before and "layers.1.name" in state.errors
    state.rename_layer(1, "cath\x00ode 2")  # cleaned by the shared normaliser, then applied everywhere
    assert state.draft["layers"][0]["name"] == "cathode 2"
    assert ["cathode 2"] in [s["add"] for s in state.draft["steps"]] and state.errors == {}


def test_named_puts_one_name_on_a_control():
    """``named`` carries the accessible name in one class the page script decodes; naming again replaces it."""
    import ipywidgets as w

    from pressbook.apps.common import NAME_CLASS, named

    box = named(w.Text(description="name"), "layer 2 name")
    named(box, "layer 3 name (µm)")
    names = [bytes.fromhex(c[len(NAME_CLASS):]).decode() for c in box._dom_classes if c.startswith(NAME_CLASS)]
    assert names == ["layer 3 name (µm)"] and "pb-named" in box._dom_classes
