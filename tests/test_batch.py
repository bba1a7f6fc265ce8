"""simulate_many agrees with simulate on random variants; grid/sample; clear errors for bad variants."""
from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from pressbook import PressbookError, presets, simulate
from pressbook.batch import apply_variant, grid, sample, simulate_many
from pressbook.materials import Library, default_library

RTOL = 1e-9


class OverriddenLibrary(Library):
    """The default library, with some layers' (mixed) material parameters replaced: the Design-level
    equivalent of a ``materials.<layer>.<parameter>`` variant."""

    def __init__(self, overrides: dict):
        base = default_library()
        self.__dict__.update(base.__dict__)
        self.overrides = overrides

    def for_layer(self, layer):
        m = super().for_layer(layer)
        ov = self.overrides.get(layer.name)
        if not ov:
            return m
        params = dict(m.params)
        for key, value in ov.items():
            params[key] = dataclasses.replace(params[key], value=float(value))
        return dataclasses.replace(m, params=params)


def _spec(design):
    """Ranges of every kind of path, over the whole range a user might try."""
    spec = {}
    for k, step in enumerate(design.steps, start=1):
        only_foil = step.add == ["anode"]
        spec[f"steps.{k}.pressure"] = (1.0, 60.0) if only_foil else (20.0, 900.0)
        spec[f"steps.{k}.hold"] = (0.0, 1800.0)
        spec[f"steps.{k}.temperature"] = (20.0, 160.0)
    spec.update({
        "layers.cathode.mass": (4.0, 30.0),
        "layers.2.mass": (20.0, 200.0),
        "layers.anode.thickness": (20.0, 500.0),
        "layers.cathode.cam_d50": (1.0, 30.0),   # issue 23: d_CAM/d_SE from 0.1 to 30, below and above 1
        "layers.cathode.se_d50": (1.0, 10.0),
        "operation.stack_pressure": (0.0, 60.0),
        "operation.temperature": (-10.0, 80.0),
        "die.diameter": (6.0, 16.0),
        "materials.separator.yield_pressure": (150.0, 1200.0),
        "materials.separator.ionic_conductivity": (0.5, 8.0),
        "materials.separator.heckel_intercept": (0.6, 1.5),
        "materials.separator.compact_modulus": (8.0, 40.0),
        "materials.separator.particle_size": (1.0, 15.0),
        "materials.cathode.yield_pressure": (150.0, 900.0),
        "materials.cathode.interface_asr": (2.0, 80.0),
        "materials.anode.yield_strength": (0.4, 3.0),   # crosses 1.5 MPa: lithium-like or not
    })
    return spec


def _check_variant(design, r, k):
    values = r.variant(k)
    d = apply_variant(design, values)
    overrides = {}
    for path, v in values.items():
        if path.startswith("materials."):
            _, layer, key = path.split(".")
            overrides.setdefault(layer, {})[key] = v
    out = simulate(d, library=OverriddenLibrary(overrides))
    for j, layer in enumerate(out.layers):
        np.testing.assert_allclose(r.porosity[k, j], layer.porosity, rtol=RTOL, atol=1e-15)
        np.testing.assert_allclose(r.thickness[k, j], layer.thickness, rtol=RTOL)
        np.testing.assert_allclose(r.max_pressure[k, j], layer.max_pressure, rtol=RTOL)
        if layer.ionic_conductivity is None:
            assert math.isnan(r.conductivity[k, j])
        else:
            np.testing.assert_allclose(r.conductivity[k, j], layer.ionic_conductivity, rtol=RTOL, atol=1e-300)
    for j, itf in enumerate(out.interfaces):
        assert r.interfaces[j] == itf.name
        np.testing.assert_allclose(r.contact[k, j], itf.contact_fraction, rtol=RTOL)
        np.testing.assert_allclose(r.asr_interface[k, j], itf.asr, rtol=RTOL)
        np.testing.assert_allclose(r.intermixing[k, j], itf.intermixing_depth, rtol=RTOL)
    scores = {(x.name, x.subject): x.score for x in out.risks}
    for c, key in enumerate(r.risks):
        # a risk simulate does not list (lithium creep of a metal that is not lithium-like) scores 0 in a batch
        np.testing.assert_allclose(r.risk_scores[k, c], scores.get(key, 0.0), rtol=RTOL, atol=1e-12, err_msg=str(key))
    assert set(scores) <= set(r.risks)
    np.testing.assert_allclose(r.total_asr[k], out.impedance.total_asr, rtol=RTOL)
    np.testing.assert_allclose(r.total_resistance[k], out.impedance.total_resistance, rtol=RTOL)


@pytest.mark.parametrize("name", ["three-step", "co-press"])
def test_random_variants_agree_with_simulate(name):
    design = presets.preset(name)
    variants = sample(_spec(design), 200, seed=11)
    r = simulate_many(design, variants)
    assert len(r) == 200
    for k in range(200):
        _check_variant(design, r, k)


@pytest.mark.parametrize("name", ["doux2020", "minnmann2021", "symmetric-li", "se-pellet", "under-pressed"])
def test_other_presets_agree(name):
    design = presets.preset(name)
    spec = {f"steps.{k}.pressure": (s.pressure * 0.5, s.pressure * 1.5) for k, s in enumerate(design.steps, start=1)}
    spec["steps.1.hold"] = (5.0, 900.0)
    spec["operation.stack_pressure"] = (0.0, 40.0)
    r = simulate_many(design, sample(spec, 40, seed=3))
    for k in range(40):
        _check_variant(design, r, k)


def test_no_variants_is_simulate():
    d = presets.three_step()
    r = simulate_many(d)
    out = simulate(d)
    assert len(r) == 1
    assert r.total_asr[0] == pytest.approx(out.impedance.total_asr, rel=1e-12)
    assert r.risk_labels == [f"{x.name} ({x.subject})" for x in
                             sorted(out.risks, key=lambda x: r.risks.index((x.name, x.subject)))]


def test_chunks_give_the_same_numbers():
    d = presets.three_step()
    v = sample({"steps.1.pressure": (100, 600), "steps.2.pressure": (200, 700)}, 50, seed=1)
    a = simulate_many(d, v)
    b = simulate_many(d, v, chunk=7)
    for f in ("porosity", "contact", "risk_scores", "total_asr"):
        np.testing.assert_array_equal(getattr(a, f), getattr(b, f))


def test_scalar_values_apply_to_every_variant():
    d = presets.three_step()
    r = simulate_many(d, {"steps.1.pressure": [250.0, 300.0], "operation.stack_pressure": 10.0})
    s = simulate(apply_variant(d, {"steps.1.pressure": 300.0, "operation.stack_pressure": 10.0}))
    assert r.total_asr[1] == pytest.approx(s.impedance.total_asr, rel=1e-12)


def test_grid_shape_and_reshape():
    v = grid({"steps.1.pressure": [200, 250, 300], "steps.2.pressure": [400, 450]})
    assert v.shape == (3, 2)
    assert list(v["steps.1.pressure"]) == [200, 200, 250, 250, 300, 300]
    assert list(v["steps.2.pressure"]) == [400, 450] * 3
    r = simulate_many(presets.three_step(), v)
    g = r.reshape(r.total_asr)
    assert g.shape == (3, 2)
    # a higher cathode-bonding pressure lowers the ASR at every pre-compaction pressure
    assert np.all(g[:, 1] < g[:, 0])


def test_sample_is_seeded_and_lhs_stratified():
    spec = {"steps.1.pressure": (100, 500), "steps.2.hold": {"dist": "loguniform", "low": 10, "high": 1000},
            "materials.separator.ionic_conductivity": {"dist": "lognormal", "median": 3.8, "sigma": 0.3},
            "operation.stack_pressure": {"dist": "normal", "mean": 5, "sd": 3, "low": 0.0}}
    a, b = sample(spec, 100, seed=5), sample(spec, 100, seed=5)
    c = sample(spec, 100, seed=6)
    for p in spec:
        np.testing.assert_array_equal(a[p], b[p])
        assert not np.array_equal(a[p], c[p])
    assert a["operation.stack_pressure"].min() >= 0.0
    lhs = sample({"steps.1.pressure": (0, 100)}, 50, seed=0, method="lhs")["steps.1.pressure"]
    assert sorted(np.floor(lhs / 2).astype(int)) == list(range(50))  # one value in each of 50 bins


def test_to_frame_and_columns():
    pd = pytest.importorskip("pandas")
    r = simulate_many(presets.three_step(), {"steps.2.pressure": [400.0, 450.0, 500.0]})
    df = r.to_frame()
    assert isinstance(df, pd.DataFrame) and len(df) == 3
    assert "steps.2.pressure" in df and "total_asr_ohm_cm2" in df and "porosity[separator]" in df
    assert "risk[cathode particle cracking (cathode)]" in df
    np.testing.assert_array_equal(df["total_asr_ohm_cm2"].to_numpy(), r.total_asr)


def test_risk_accessors():
    # 400, not 300 MPa: bonding the cathode at the separator's 300 MPa pre-compaction is a weak bond (issue 12)
    r = simulate_many(presets.three_step(), {"steps.2.pressure": [400.0, 700.0]})
    crack = r.risk("cathode particle cracking")
    assert crack[1] > crack[0]
    assert np.all(r.worst_risk >= crack)
    assert r.worst_risk_label[1] == "cathode particle cracking (cathode)"
    assert list(r.feasible(0.33)) == [True, False]
    assert np.all(r.risk("no separator") == 0)  # does not apply to this design
    with pytest.raises(PressbookError, match="risk"):
        r.risk("SE cracking", "anode")


def test_particle_size_sweep_is_one_call_and_agrees_with_simulate():
    """Issue 23: a sweep over the SE's d50 of a rich cathode (90 wt% NCM811, near and below the SE's percolation
    threshold) is one call; each variant is simulate() of the design with that se_d50; finer SE conducts better."""
    d = presets.three_step()
    d.layers[0].composition = {"NCM811": 0.88, "Li6PS5Cl": 0.12}
    se = np.array([8.0, 5.0, 3.0, 1.5, 0.8])
    r = simulate_many(d, {"layers.cathode.se_d50": se, "layers.cathode.cam_d50": 10.0})
    for k in range(len(se)):
        _check_variant(d, r, k)
    sigma = r.conductivity[:, 0]
    assert np.all(np.isfinite(r.total_asr)) and np.all(np.diff(sigma) > 0), sigma
    path = r.risk("no continuous ion path", "cathode")
    assert path[0] > 0.66 and path[-1] == 0.0 and np.all(np.diff(path) <= 0)


@pytest.mark.parametrize("variants, match", [
    ({"steps.2.pressure": [300.0, -5.0, 400.0]}, r"steps\.2\.pressure: got '-5 MPa \(variant 1; 1 of 3 values outside\)'"),
    ({"steps.2.pressure": [300.0, np.nan]}, r"steps\.2\.pressure: got 'nan MPa"),
    ({"steps.4.pressure": [300.0]}, r"steps\.4\.pressure: got '4'; allowed: a step number 1 to 3"),
    ({"steps.1.force": [300.0]}, r"steps\.1\.force: got 'force'; allowed: pressure, hold or temperature"),
    ({"layers.lid.mass": [10.0]}, r"layers\.lid\.mass: got 'lid'; allowed: a layer number"),
    ({"materials.anode.ionic_conductivity": [1.0]}, r"materials\.anode\.ionic_conductivity: .*a parameter of layer 'anode'"),
    ({"materials.separator.yield_pressure": [0.0]}, r"materials\.separator\.yield_pressure: got '0 MPa"),
    ({"steps.1.hold": [60.0, 120.0], "steps.2.hold": [60.0]}, r"steps\.2\.hold: got '1 values'; allowed: 2 values"),
    ({"speed": [1.0]}, r"variant path: got 'speed'"),
    ({"steps.1.pressure": [[1.0, 2.0]]}, r"steps\.1\.pressure: got 'an array of shape \(1, 2\)'"),
    ({"layers.cathode.mass": [10.0], "layers.cathode.thickness": [50.0]}, r"one of mass or thickness"),
    ({"operation.stack_pressure": ["x"]}, r"operation\.stack_pressure: got \['x'\]; allowed: numbers"),
    ({"layers.separator.se_d50": [3.0]}, r"layers\.separator\.se_d50: got 'se_d50'; allowed: a particle size of a "
                                          r"composite layer"),
    ({"layers.cathode.cam_d50": [10.0, 0.05]}, r"layers\.cathode\.cam_d50: got '0\.05 um \(variant 1.*0\.1 to 100 um"),
    ({"layers.cathode.d50": [3.0]}, r"layers\.cathode\.d50: got 'd50'; allowed: mass, thickness, cam_d50 or se_d50"),
])
def test_bad_variants_are_named(variants, match):
    with pytest.raises(PressbookError, match=match):
        simulate_many(presets.three_step(), variants)


def test_rated_pressure_limits_variants():
    d = presets.three_step()
    d.die.rated_pressure = 500.0
    with pytest.raises(PressbookError, match=r"steps\.2\.pressure: got '600 MPa.*allowed: 0\.01 to 500 MPa"):
        simulate_many(d, {"steps.2.pressure": [450.0, 600.0]})


def test_base_design_validated_once():
    d = presets.three_step()
    d.steps[0].pressure = -1.0
    with pytest.raises(PressbookError, match=r"steps\.1\.pressure"):
        simulate_many(d, {"steps.2.pressure": [450.0]})


def test_import_pressbook_batch_is_light():
    import subprocess
    import sys
    code = ("import sys, pressbook, pressbook.batch, pressbook.explore; "
            "bad = [m for m in ('pandas', 'bokeh', 'ipywidgets', 'matplotlib') if m in sys.modules]; print(bad)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "[]"


def test_friction_variants_agree(monkeypatch):
    from pressbook.models import compaction as cp

    d = presets.three_step()
    mus = [0.05, 0.25, 0.6]
    r = simulate_many(d, {"friction.mu": mus, "friction.K": [0.3, 0.4, 0.5]})
    for k, (mu, K) in enumerate(zip(mus, [0.3, 0.4, 0.5])):
        monkeypatch.setitem(cp.FRICTION, "mu", mu)
        monkeypatch.setitem(cp.FRICTION, "K", K)
        out = simulate(d)
        assert r.total_asr[k] == pytest.approx(out.impedance.total_asr, rel=RTOL)
        assert r.max_pressure[k, 0] == pytest.approx(out.layer("cathode").max_pressure, rel=RTOL)
    assert r.max_pressure[0, 1] > r.max_pressure[2, 1]  # more wall friction, less pressure deep in the stack
