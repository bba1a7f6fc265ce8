"""Bands (issue 24): the posterior draws, bands in the API, the JSON contract, the versions."""
from __future__ import annotations

import json
import math
import subprocess
import sys
import tomllib
from pathlib import Path

import numpy as np
import pytest

from pressbook import bands as B
from pressbook import presets
from pressbook.errors import InvalidInputError
from pressbook.lab import joint_calibration as jc
from pressbook.materials import default_library, load_user_materials
from pressbook.simulate import simulate

ROOT = Path(__file__).resolve().parents[1]


def _strip_bands(o):
    """A JSON outcome without what bands add (to compare it with the outcome without bands)."""
    if isinstance(o, dict):
        return {k: _strip_bands(v) for k, v in o.items()
                if k not in ("band", "probability", "envelope", "bands") and not k.endswith("_band")}
    if isinstance(o, list):
        return [_strip_bands(v) for v in o]
    return o


@pytest.fixture(scope="module")
def three():
    return simulate(presets.three_step(), bands=True)


def test_shipped_posterior_matches_its_versions_and_the_joint_fit():
    post = B.posterior()
    assert post["version"] == B.POSTERIOR_VERSION
    assert post["calibration"] == B.CALIBRATION_VERSION == jc.VERSION
    assert post["n_draws"] >= 200
    # sampled from the optimum of the shipped joint fit (the library's values): the same fit, not an older one
    joint = json.loads((ROOT / "pressbook" / "data" / "joint_calibration.json").read_text(encoding="utf-8"))
    for name, value in post["optimum"].items():
        assert value == pytest.approx(joint["parameters"][name]["value"], rel=1e-6), name
    lib = tomllib.loads((ROOT / "pressbook" / "data" / "materials.toml").read_text(encoding="utf-8"))
    for mat, keys in post["library"].items():
        for key, draws in keys.items():
            assert len(draws) == post["n_draws"] and key in lib[mat]
            assert np.all(np.isfinite(draws)) and np.median(draws) > 0, (mat, key)


def test_predictive_errors_are_the_joint_fits_own_residuals():
    """The band's model errors are the pooled residual rms of the shipped joint fit (never below the likelihood's
    0.1 in ln for conductivities): recomputed here from joint_calibration.json, not copied."""
    post = B.posterior()
    res = json.loads((ROOT / "pressbook" / "data" / "joint_calibration.json").read_text(encoding="utf-8"))["residuals"]

    def pooled(rows):
        return math.sqrt(sum(r["n"] * r["rms_ln"] ** 2 for r in rows) / sum(r["n"] for r in rows))
    dens = pooled([r for name, r in res.items() if "density" in name])
    cond = pooled([r for name, r in res.items() if "density" not in name])
    assert post["density_model_sd_ln"] == pytest.approx(dens, abs=6e-4)
    assert post["model_sd_ln"] == pytest.approx(max(0.1, cond), abs=6e-4)


def test_density_band_holds_the_model_error_and_a_foil_stays_dense(three):
    """A powder layer's relative-density band is at least as wide as the density model error alone makes it (90 %
    of a normal: 2 x 1.645 sd); a lithium foil (no pores) keeps porosity 0 in every draw."""
    sd = B.posterior()["density_model_sd_ln"]
    lo, hi = three.bands.layers["separator"]["relative_density"]
    D = three.layer("separator").relative_density
    assert hi - lo >= 0.9 * 2 * 1.645 * sd * D
    assert three.bands.layers["anode"]["porosity"] == (0.0, 0.0)


def test_sampler_converged_by_its_own_diagnostics():
    post = B.posterior()
    d = post["diagnostics"]
    assert max(v["r_hat"] for v in d.values()) < 1.1
    assert min(v["ess_bulk"] for v in d.values()) > 200
    s = post["sampler"]
    assert s["kept_steps"] > 20 * s["max_autocorr_steps"]


def test_every_band_contains_the_nominal_prediction(three):
    o = three
    for layer in o.layers:
        lo, hi = o.band("porosity", layer.name)
        assert lo <= layer.porosity + 1e-12 and layer.porosity <= hi + 1e-12
        if layer.ionic_conductivity is not None:
            lo, hi = o.band("ionic_conductivity", layer.name)
            assert lo < layer.ionic_conductivity < hi
    for itf in o.interfaces:
        lo, hi = o.band("asr", itf.name)
        assert lo <= itf.asr * (1 + 1e-9) and itf.asr <= hi * (1 + 1e-9)
    lo, hi = o.band("total_asr")
    assert lo < o.impedance.total_asr < hi
    env = o.bands.spectrum
    assert np.all(np.array(env["z_real_low"]) <= o.impedance.z_real + 1e-9)
    assert np.all(o.impedance.z_real <= np.array(env["z_real_high"]) + 1e-9)


def test_conductivity_band_reflects_the_laboratory(three):
    """A new laboratory carries the between-laboratory scatter; a laboratory that knows its own effect well has a
    narrower band, centred where its effect says."""
    lo, hi = three.band("ionic_conductivity", "separator")
    known = simulate(presets.three_step(), bands=B.Laboratory("this laboratory", shift=0.0, sd=0.02, n_pellets=30))
    klo, khi = known.band("ionic_conductivity", "separator")
    assert math.log(khi / klo) < 0.7 * math.log(hi / lo)
    high = simulate(presets.three_step(), bands=B.Laboratory("a strong laboratory", shift=0.4, sd=0.02))
    hlo, hhi = high.band("ionic_conductivity", "separator")
    assert hlo > klo * 1.3 and hhi > khi * 1.3


def test_bands_are_reproducible_and_do_not_change_the_nominal_numbers(three):
    again = simulate(presets.three_step(), bands=True)
    assert again.band("total_asr") == three.band("total_asr")
    plain = simulate(presets.three_step())
    assert plain.impedance.total_asr == three.impedance.total_asr
    assert plain.bands is None


def test_band_of_an_unknown_quantity_names_what_exists(three):
    with pytest.raises(InvalidInputError, match="separator"):
        three.band("ionic_conductivity", "no such layer")
    with pytest.raises(InvalidInputError, match="bands=True"):
        simulate(presets.three_step()).band("total_asr")


def test_json_bands_extend_the_contract_without_changing_it(three):
    plain = json.loads(simulate(presets.three_step()).to_json())
    banded = json.loads(three.to_json())
    assert _strip_bands(banded) == plain
    sep = next(l for l in banded["layers"] if l["name"] == "separator")
    lo, hi = sep["ionic_conductivity"]["band"]
    assert sep["ionic_conductivity"]["units"] == "mS/cm" and lo < sep["ionic_conductivity"]["magnitude"] < hi
    assert banded["impedance"]["total_asr"]["band"][0] < banded["impedance"]["total_asr"]["magnitude"]
    assert all(0.0 <= r["probability"] <= 1.0 for r in banded["risks"])
    assert banded["versions"] == plain["versions"] == B.versions()
    assert len(banded["impedance"]["envelope"]["z_real_low"]["magnitude"]) == len(
        banded["impedance"]["envelope"]["frequencies"]["magnitude"])


def test_risk_probability_follows_the_draws():
    """SE cracking from over-pressing: its probability (share of draws at least medium) grows with the largest
    pressure the separator sees, is 0 well below every plausible onset and strictly between 0 and 1 where the
    nominal score crosses the medium level."""
    def p_crack(pressure):
        d = presets.three_step()
        d.steps[0].pressure, d.steps[1].pressure = pressure, min(pressure, 450.0)
        return simulate(d, bands=True).bands.risks[("SE cracking", "separator")]
    p = [p_crack(P) for P in (100.0, 450.0, 690.0, 1000.0)]
    assert p[0] == 0.0
    assert all(a <= b for a, b in zip(p, p[1:])) and p[3] > p[1]
    assert 0.0 < p[2] < 1.0


def test_a_users_own_material_keeps_its_values():
    """A user's own material is not a posterior material: its compaction constants scatter about the user's own
    values (the estimated powder-to-powder spread, bands.UNCALIBRATED), never about the library's draws."""
    lib = default_library()
    mine = 250.0
    params = {k: {"value": v.value, "unit": v.unit, "estimate": "a copy for a test"}
              for k, v in lib.get("Li6PS5Cl").params.items()}
    params["yield_pressure"]["value"] = mine
    user = load_user_materials({"MySE": {"kind": "solid_electrolyte", **params}})
    d = presets.three_step()
    d.layers[1].material = "MySE"
    v = B.variants(d, user)
    drawn = v["materials.separator.yield_pressure"]
    assert np.median(drawn) == pytest.approx(mine, rel=0.03)
    assert np.std(np.log(drawn)) == pytest.approx(B.UNCALIBRATED["yield_pressure"][1], rel=0.25)
    assert "materials.separator.ionic_conductivity" in v  # ... and still measured in some laboratory


def test_cli_bands(tmp_path):
    out = subprocess.run([sys.executable, "-m", "pressbook.cli", "simulate", "preset:three-step", "--json", "--bands"],
                         capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    d = json.loads(out.stdout)
    assert "band" in d["impedance"]["total_asr"] and "probability" in d["risks"][0]
    text = subprocess.run([sys.executable, "-m", "pressbook.cli", "simulate", "preset:three-step", "--bands"],
                          capture_output=True, text=True, timeout=120, cwd=tmp_path).stdout
    assert "90 % band" in text and "probability" in text


def test_press_tolerances_enter_the_draws_and_turn_a_near_threshold_step_into_a_chance():
    """With a manual press (5 % pressure, 25 % hold scatter) each draw presses at its own pressures and holds; the
    cathode, pressed at 450 MPa where particle cracking starts at about 510 MPa, then cracks in some pellets: a
    probability above 0 that exact presses do not give. The nominal numbers do not change."""
    d = presets.three_step()
    exact, manual = B.variants(d), B.variants(d, tolerances="manual")
    assert not any(k.startswith("steps.") for k in exact)
    assert np.std(manual["steps.2.pressure"]) / d.steps[1].pressure == pytest.approx(0.05, rel=0.25)
    assert np.std(np.log(manual["steps.1.hold"])) == pytest.approx(0.25, rel=0.25)
    runs = {t: simulate(d, bands=True, tolerances=t) for t in (None, "manual")}
    crack = ("cathode particle cracking", "cathode")
    assert runs[None].bands.risks[crack] == 0.0 < runs["manual"].bands.risks[crack] < 0.5
    assert runs["manual"].to_dict()["bands"]["tolerances"] == "manual"
    plain = json.loads(simulate(d).to_json())
    assert _strip_bands(json.loads(runs["manual"].to_json())) == plain


def test_bands_and_the_monte_carlo_draw_the_same_press():
    """One piece of code draws a press's scatter: the uncertainty app's Monte Carlo and the bands' tolerances."""
    from pressbook.explore import uncertainty
    from pressbook.tolerances import press_draws

    d = presets.three_step()
    mats = [default_library().for_layer(l) for l in d.layers]
    mc = uncertainty._draws(d, mats, "manual", ("pressure", "hold", "mass"), 50, 7)
    own = press_draws(d, mats, "manual", 50, 7)
    assert mc.keys() == own.keys() and all(np.array_equal(mc[k], own[k]) for k in own)
    assert np.std(own["steps.1.pressure"]) / d.steps[0].pressure == pytest.approx(0.05, rel=0.3)


def test_unknown_press_or_tolerances_without_bands_are_refused_by_name():
    with pytest.raises(InvalidInputError, match="press.*hydraulic.*manual, automatic"):
        simulate(presets.three_step(), bands=True, tolerances="hydraulic")
    with pytest.raises(InvalidInputError, match="tolerances.*bands=True"):
        simulate(presets.three_step(), tolerances="manual")


def test_cli_tolerances(tmp_path):
    out = subprocess.run([sys.executable, "-m", "pressbook.cli", "simulate", "preset:three-step", "--json",
                          "--tolerances", "manual"], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    d = json.loads(out.stdout)
    assert d["bands"]["tolerances"] == "manual" and "band" in d["impedance"]["total_asr"]
