"""Issue 23, composites: particle sizes (d50) as layer fields, the conduction floor below the SE's percolation
threshold with its risk, and the milled grade from a published milled/unmilled ratio.

Expected values are orderings, finiteness, agreement between two code paths, or numbers read from the vendored
literature tables; none is copied from the model's output.
"""
from __future__ import annotations

import copy
import dataclasses
import math
import re
import sys
from pathlib import Path

import pytest

from pressbook import Design, presets, simulate
from pressbook.errors import PressbookError
from pressbook.materials import default_library
from pressbook.models import transport as tr

sys.path.insert(0, str(Path(__file__).resolve().parent / "validation"))
import literature as L  # noqa: E402

LIB = default_library()


def cathode(composition=None, **sizes) -> Design:
    d = presets.three_step()
    if composition is not None:
        d.layers[0].composition = composition
    for key, value in sizes.items():
        setattr(d.layers[0], key, value)
    return d


def cathode_sigma(design, library=None) -> float:
    return simulate(design, library).layer("cathode").ionic_conductivity


def path_risk(outcome):
    return next(r for r in outcome.risks if r.name == "no continuous ion path" and r.subject == "cathode")


def with_param(material: str, key: str, factor: float):
    """A copy of the library with one material parameter scaled."""
    lib = copy.deepcopy(LIB)
    m = lib.materials[material]
    m.params[key] = dataclasses.replace(m.params[key], value=m.params[key].value * factor)
    return lib


# ------------------------------------------------------------------ particle size in the model
RICH = {"NCM811": 0.8, "Li6PS5Cl": 0.2}


def test_coarser_active_material_relative_to_se_conducts_better():
    """At a fixed composition the threshold falls and sigma rises with d_CAM/d_SE, whichever size changes."""
    assert tr.percolation_threshold(5.0) < tr.percolation_threshold(2.0) < tr.percolation_threshold(1.0)
    finer_se = [cathode_sigma(cathode(RICH, cam_d50=10.0, se_d50=se)) for se in (10.0, 5.0, 2.0, 1.0)]
    coarser_cam = [cathode_sigma(cathode(RICH, cam_d50=cam, se_d50=5.0)) for cam in (5.0, 10.0, 20.0, 40.0)]
    for series in (finer_se, coarser_cam):
        assert all(b > a for a, b in zip(series, series[1:])), series
    # the same ratio from either size gives the same layer (only d_CAM/d_SE enters the conduction)
    assert cathode_sigma(cathode(RICH, cam_d50=20.0, se_d50=5.0)) == pytest.approx(
        cathode_sigma(cathode(RICH, cam_d50=10.0, se_d50=2.5)), rel=1e-12)


def test_without_sizes_the_library_particle_sizes_are_used():
    """An old design (no d50 fields) is the same cell as one giving the library's particle sizes explicitly."""
    ncm, se = LIB.get("NCM811")["particle_size"], LIB.get("Li6PS5Cl")["particle_size"]
    net = LIB.composite({"NCM811": 0.7, "Li6PS5Cl": 0.3}).network
    assert (net["cam_d50"], net["se_d50"], net["size_ratio"]) == (ncm, se, ncm / se)
    old, explicit = simulate(cathode()), simulate(cathode(cam_d50=ncm, se_d50=se))
    assert old.impedance.total_asr == explicit.impedance.total_asr
    assert [l.ionic_conductivity for l in old.layers] == [l.ionic_conductivity for l in explicit.layers]
    # and a size that differs from the library's changes it
    assert cathode_sigma(cathode(se_d50=se / 2)) != old.layer("cathode").ionic_conductivity


# ------------------------------------------------------------------ below the percolation threshold
def test_90_wt_percent_ncm811_is_finite_and_explained():
    o = simulate(cathode({"NCM811": 0.9, "Li6PS5Cl": 0.1}))
    assert math.isfinite(o.impedance.total_asr) and o.impedance.total_asr > 0
    assert 0 < o.layer("cathode").ionic_conductivity and math.isfinite(o.layer("cathode").resistance)
    risk = path_risk(o)
    assert risk.level == "high"
    v_se = LIB.composite({"NCM811": 0.9, "Li6PS5Cl": 0.1}).network["se_fraction"]
    assert v_se < tr.percolation_threshold(2.0)
    assert "below the percolation threshold" in risk.reason and "d_CAM/d_SE = 2" in risk.reason
    assert f"{100 * v_se:.1f} vol%" in risk.reason and risk.threshold.endswith("vol%")
    assert "Infinity" not in o.to_json()  # pressbook simulate --json: a number, not an infinity


def test_70_wt_percent_does_not_raise_it():
    risk = path_risk(simulate(cathode({"NCM811": 0.7, "Li6PS5Cl": 0.3})))
    assert risk.level == "low" and risk.score == 0.0 and "continuous" in risk.reason


def test_finer_se_removes_the_risk_at_90_wt_percent():
    """The same 90 wt% cathode with an SE 10x finer than the active particles percolates again."""
    coarse = simulate(cathode({"NCM811": 0.9, "Li6PS5Cl": 0.1}))
    fine = simulate(cathode({"NCM811": 0.9, "Li6PS5Cl": 0.1}, cam_d50=10.0, se_d50=1.0))
    assert path_risk(fine).score < path_risk(coarse).score
    assert fine.layer("cathode").ionic_conductivity > 10 * coarse.layer("cathode").ionic_conductivity


def test_below_the_threshold_the_active_material_carries_the_ions():
    """Below the threshold sigma follows the active particles' conductivity, not the SE's; above it, the reverse."""
    below, above = cathode({"NCM811": 0.9, "Li6PS5Cl": 0.1}), cathode({"NCM811": 0.7, "Li6PS5Cl": 0.3})
    cam_x2 = with_param("NCM811", "active_ionic_conductivity", 2.0)
    se_x2 = with_param("Li6PS5Cl", "ionic_conductivity", 2.0)
    assert cathode_sigma(below, cam_x2) == pytest.approx(2 * cathode_sigma(below), rel=1e-9)
    assert cathode_sigma(below, se_x2) == pytest.approx(cathode_sigma(below), rel=1e-9)
    assert cathode_sigma(above, cam_x2) == pytest.approx(cathode_sigma(above), rel=1e-9)
    assert cathode_sigma(above, se_x2) == pytest.approx(2 * cathode_sigma(above), rel=1e-9)


def test_floor_and_network_law():
    assert tr.composite_conductivity(4.0, 0.1, 2.0, sigma_floor=1e-5) == 1e-5  # no network: the floor
    assert tr.composite_conductivity(4.0, 0.6, 2.0, sigma_floor=1e-5) == tr.composite_conductivity(4.0, 0.6, 2.0)
    assert tr.ion_path_score(0.5 * tr.percolation_threshold(2.0), 2.0) == 1.0
    assert tr.ion_path_score(2 * tr.percolation_threshold(2.0), 2.0) == 0.0


# ------------------------------------------------------------------ the design format
SIZED = """
title = "sized"
[die]
diameter = "10 mm"
[[layers]]
name = "cathode"
role = "cathode"
composition = { NCM811 = 0.7, Li6PS5Cl = 0.3 }
mass = "12 mg"
cam_d50 = "12 um"
se_d50 = "3000 nm"
[[layers]]
name = "separator"
role = "separator"
material = "Li6PS5Cl"
mass = "80 mg"
[[steps]]
add = ["separator"]
pressure = "370 MPa"
[[steps]]
add = ["cathode"]
pressure = "450 MPa"
"""


def test_sizes_round_trip_through_toml_and_json():
    d = Design.from_toml(SIZED)
    assert (d.layers[0].cam_d50, d.layers[0].se_d50) == (12.0, 3.0)  # any length unit, held in um
    assert d.to_dict()["layers"][0]["se_d50"] == "3 um"
    for again in (Design.from_toml(d.to_toml()), Design.from_json(d.to_json())):
        assert again == d
        assert simulate(again).impedance.total_asr == simulate(d).impedance.total_asr


def test_old_design_files_load_identically():
    text = (Path(__file__).parent / "issue2_example.toml").read_text()
    d = Design.from_toml(text)
    assert all(l.cam_d50 is None and l.se_d50 is None for l in d.layers)
    assert not any(k in l for l in d.to_dict()["layers"] for k in ("cam_d50", "se_d50"))
    assert Design.from_toml(d.to_toml()) == d


@pytest.mark.parametrize("key, value, match", [
    ("cam_d50", '"0.05 um"', r"layers\.1 \(cathode\)\.cam_d50: got '0\.05 um'; allowed: 0\.1 to 100 um"),
    ("se_d50", '"200 um"', r"layers\.1 \(cathode\)\.se_d50: got '200 um'; allowed: 0\.1 to 100 um"),
    ("se_d50", "-3", r"layers\.1 \(cathode\)\.se_d50: got '-3 um'; allowed: 0\.1 to 100 um"),
    ("se_d50", '"3 MPa"', r"layers\.1\.se_d50: .*3 MPa"),
    ("se_d50", '"abc"', r"layers\.1\.se_d50: .*abc"),
])
def test_bad_sizes_are_named(key, value, match):
    text = re.sub(rf"^{key} = .*$", f"{key} = {value}", SIZED, flags=re.M)
    assert text != SIZED
    with pytest.raises(PressbookError, match=match):
        Design.from_toml(text)


def test_sizes_only_on_a_composite_with_active_material_and_se():
    separator = 'material = "Li6PS5Cl"\nmass = "80 mg"'
    text = SIZED.replace(separator, separator + '\nse_d50 = "3 um"')
    with pytest.raises(PressbookError, match=r"layers\.2 \(separator\)\.se_d50: got '3 um'; allowed: a particle size "
                                             r"only on a composite layer"):
        Design.from_toml(text)


# ------------------------------------------------------------------ the milled grade
def test_milled_grade_from_the_minnmann_ratio():
    """Li6PS5Cl-milled conducts as Minnmann 2021's wet-milled / unmilled ratio says, with their d50."""
    rows = {r["material"]: L.number(r["conductivity_mS_cm"]) for r in L.rows("conductivity_vs_pressure")
            if r["source"].startswith("Minnmann")}
    milled_label = next(k for k in rows if "milled" in k)
    ratio = rows[milled_label] / rows["Li6PS5Cl (NEI) pellet"]
    milled, coarse = LIB.get("Li6PS5Cl-milled"), LIB.get("Li6PS5Cl")
    assert milled["ionic_conductivity"] == pytest.approx(ratio * coarse["ionic_conductivity"], rel=1e-3)
    assert milled.params["ionic_conductivity"].source == "minnmann2021"
    assert f"D50 {milled['particle_size']:g} um" in milled_label
    assert milled.params["particle_size"].source == "minnmann2021"
