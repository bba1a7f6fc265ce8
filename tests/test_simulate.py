"""simulate(): determinism, history, completeness, the JSON contract, sources, import hygiene."""
import json
import math
import subprocess
import sys

import numpy as np
import pytest

from pressbook import Design, Outcome, presets, simulate
from pressbook.materials import default_library
from pressbook.units import ureg

ALL_PRESETS = sorted(presets.PRESETS)
DIMENSIONLESS = {"relative_density", "porosity", "density_under_load", "contact_fraction", "score"}


@pytest.fixture(scope="module")
def outcomes():
    return {name: simulate(presets.preset(name)) for name in ALL_PRESETS}


def test_deterministic_and_pure():
    d = presets.three_step()
    before = d.to_toml()
    a, b = simulate(d), simulate(d)
    assert a.to_json() == b.to_json()
    assert d.to_toml() == before  # the design is not modified
    assert np.array_equal(a.impedance.z_real, b.impedance.z_real)


@pytest.mark.parametrize("name", ALL_PRESETS)
def test_every_preset_simulates_completely(name, outcomes):
    d = presets.preset(name)
    out = outcomes[name]
    assert isinstance(out, Outcome)
    # one history record per step, in order, each with the layers in the die
    assert [h.index for h in out.history] == list(range(1, len(d.steps) + 1))
    added = []
    for h, step in zip(out.history, d.steps):
        assert h.add == step.add and h.pressure == step.pressure and h.hold == step.hold
        added += step.add
        assert set(h.in_die) == set(added)
        for nm in h.in_die:
            assert 0 < h.density_under_load[nm] <= 1 and 0 < h.density_released[nm] <= 1
            assert h.thickness_released[nm] > 0 and h.local_pressure[nm] > 0
    # every layer and every interface is present, in stack order
    assert [l.name for l in out.layers] == [l.name for l in d.layers]
    assert [i.name for i in out.interfaces] == [f"{a.name}|{b.name}" for a, b in zip(d.layers, d.layers[1:])]
    for l in out.layers:
        assert 0 < l.relative_density <= 1 and l.porosity == pytest.approx(1 - l.relative_density)
        assert l.thickness > 0
        assert l.ionic_conductivity is None or l.ionic_conductivity >= 0
    for i in out.interfaces:
        assert 0 <= i.contact_fraction <= 1 and i.asr > 0 and i.intermixing_depth >= 0
        assert 1 <= i.formed_in_step <= len(d.steps)
    for r in out.risks:
        assert 0 <= r.score <= 1 and r.level in ("low", "medium", "high") and r.reason and r.name
    assert [r.score for r in out.risks] == sorted((r.score for r in out.risks), reverse=True)
    assert out.impedance.frequencies[0] >= 1e6 and out.impedance.frequencies[-1] <= 0.1
    assert out.summary()


def _walk(obj, path=""):
    if isinstance(obj, dict):
        yield path, obj
        for k, v in obj.items():
            yield from _walk(v, f"{path}.{k}")
    elif isinstance(obj, list):
        for k, v in enumerate(obj):
            yield from _walk(v, f"{path}[{k}]")
    else:
        yield path, obj


@pytest.mark.parametrize("name", ALL_PRESETS)
def test_json_contract(name, outcomes):
    text = outcomes[name].to_json()
    data = json.loads(text)
    assert json.loads(json.dumps(data, allow_nan=False)) == data  # strict JSON: no NaN or Infinity
    quantities = 0
    for path, v in _walk(data):
        if isinstance(v, dict) and "magnitude" in v:
            assert set(v) == {"magnitude", "units"}, path
            assert v["magnitude"] is None or isinstance(v["magnitude"], (int, float)), path
            ureg.Quantity(1.0, v["units"])  # pint-parsable
            quantities += 1
    assert quantities > 10
    for l in data["layers"]:
        for key in ("relative_density", "porosity", "density_under_load"):
            assert isinstance(l[key], float)  # dimensionless: plain
        assert ureg.Unit(l["thickness"]["units"]).dimensionality == ureg.Unit("m").dimensionality
        if l["ionic_conductivity"] is not None:
            assert ureg.Unit(l["ionic_conductivity"]["units"]).dimensionality == ureg.Unit("S/m").dimensionality
        assert ureg.Unit(l["max_pressure"]["units"]).dimensionality == ureg.Unit("Pa").dimensionality
    for i in data["interfaces"]:
        assert isinstance(i["contact_fraction"], float)
        assert ureg.Unit(i["asr"]["units"]).dimensionality == ureg.Unit("ohm*m^2").dimensionality
        assert ureg.Unit(i["intermixing_depth"]["units"]).dimensionality == ureg.Unit("m").dimensionality
    for r in data["risks"]:
        assert set(r) >= {"name", "score", "level", "reason"} and isinstance(r["score"], float)
    imp = data["impedance"]
    assert ureg.Unit(imp["total_asr"]["units"]).dimensionality == ureg.Unit("ohm*m^2").dimensionality
    assert ureg.Unit(imp["total_resistance"]["units"]) == ureg.ohm
    assert isinstance(imp["circuit"], str) and imp["circuit"].startswith("R0")
    assert len(data["history"]) == len(presets.preset(name).steps)
    for h in data["history"]:
        assert ureg.Quantity(h["pressure"]["magnitude"], h["pressure"]["units"]).to("MPa").magnitude > 0
        assert ureg.Unit(h["hold"]["units"]).dimensionality == ureg.Unit("s").dimensionality
        ureg.Quantity(h["temperature"]["magnitude"], h["temperature"]["units"]).to("K")


def test_json_quantities_convert_to_the_summary_values(outcomes):
    out = outcomes["three-step"]
    data = out.to_dict()
    sep = data["layers"][1]
    assert ureg.Quantity(sep["thickness"]["magnitude"], sep["thickness"]["units"]).to("um").magnitude == \
        pytest.approx(out.layer("separator").thickness)
    tot = data["impedance"]["total_asr"]
    assert ureg.Quantity(tot["magnitude"], tot["units"]).to("ohm*cm^2").magnitude == \
        pytest.approx(out.impedance.total_asr)


def test_below_percolation_is_finite_and_an_infinite_resistance_is_null_in_json():
    d = presets.se_pellet()
    d.layers[0].material = "Li3PS4"
    d.steps[0].pressure = 1.0   # a loose glass powder: below its percolation density
    out = simulate(d)
    # issue 23: finite (the sub-percolation floor), far below a pressed pellet's
    assert 0.0 < out.layers[0].ionic_conductivity < 1e-3 * default_library().get("Li3PS4")["ionic_conductivity"]
    assert math.isfinite(out.impedance.total_resistance)
    out.impedance.total_resistance = math.inf  # the JSON contract for an infinite number: null, never Infinity
    out.impedance.parameters[0] = math.inf
    data = json.loads(out.to_json())
    assert data["impedance"]["total_resistance"] == {"magnitude": None, "units": "ohm"}
    assert data["impedance"]["parameters"][0] is None


@pytest.mark.parametrize("name", ALL_PRESETS)
def test_sources_resolve_to_dois(name, outcomes):
    lib = default_library()
    out = outcomes[name]
    assert out.sources
    for s in out.sources:
        assert s["key"] in lib.sources
        assert s["doi"].startswith("10.")
    used = {s["key"] for s in out.sources}
    mats = [default_library().for_layer(l) for l in presets.preset(name).layers]
    for m in mats:
        assert m.sources() <= used
        for c in m.components:
            assert lib.get(c).sources() <= used


def test_simulate_validates_first():
    from pressbook.errors import InvalidInputError
    d = presets.three_step()
    d.steps[0].pressure = -1.0
    with pytest.raises(InvalidInputError, match="steps.1.pressure"):
        simulate(d)


def test_import_pressbook_does_not_import_the_ui_stack():
    code = ("import sys, pressbook, pressbook.simulate, pressbook.cli, pressbook.lab.press; "
            "from pressbook import simulate, presets; simulate(presets.three_step()); "
            "bad = sorted(m for m in sys.modules if m.split('.')[0] in "
            "('ipywidgets', 'bokeh', 'jupyter_bokeh', 'voila', 'traitlets', 'IPython', 'matplotlib')); "
            "print(bad); sys.exit(1 if bad else 0)")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr


def test_layer_given_by_thickness_and_by_equivalent_mass_agree():
    d = presets.se_pellet()
    area_cm2 = d.die.area_cm2
    rho = default_library().get("Li6PS5Cl")["density"]
    d2 = d.copy()
    d2.layers[0].mass = None
    d2.layers[0].thickness = d.layers[0].mass * 1e-3 / rho / area_cm2 * 1e4  # um at full density
    a, b = simulate(d), simulate(d2)
    assert b.layers[0].thickness == pytest.approx(a.layers[0].thickness)
    assert b.layers[0].relative_density == pytest.approx(a.layers[0].relative_density)


def test_design_round_trip_gives_the_same_outcome():
    d = presets.doux2020()
    assert simulate(Design.from_json(d.to_json())).to_json() == simulate(d).to_json()
