"""Issue 13: composite cathodes (ion transport, compaction) and metal foils in a die.

Each test states a behaviour the issue requires and checks it on the models or through simulate; numbers
come from the library and the models, none is tuned here.
"""
from __future__ import annotations

import math

import numpy as np
import pytest

from pressbook import Design, presets, simulate
from pressbook.batch import simulate_many
from pressbook.errors import PressbookError
from pressbook.materials import default_library
from pressbook.models import compaction as cp
from pressbook.models import mechanics as mech
from pressbook.models import transport as tr

LIB = default_library()


def cathode_design(composition, cathode_pressure=450.0, mass=12.0):
    d = presets.three_step()
    d.layers[0].composition = composition
    d.layers[0].mass = mass
    d.steps[1].pressure = cathode_pressure
    return d


def composite_state(composition, cathode_pressure=450.0):
    o = simulate(cathode_design(composition, cathode_pressure))
    return o.layer("cathode"), o.layer("separator")


# ------------------------------------------------------------------ 1. composite ionic conduction
def test_network_factor_percolation_form():
    v_c = tr.percolation_threshold(1.0)
    assert v_c == pytest.approx(tr.V_C1)
    assert tr.network_factor(v_c, v_c) == 0.0 and tr.network_factor(1.0, v_c) == pytest.approx(1.0)
    assert tr.composite_conductivity(4.0, 0.6, 2.0) == pytest.approx(
        4.0 * ((0.6 - tr.percolation_threshold(2.0)) / (1 - tr.percolation_threshold(2.0))) ** tr.T_PERC)
    # coarser active particles than SE particles: the SE percolates at a lower fraction
    assert tr.percolation_threshold(5.0) < tr.percolation_threshold(2.0) < tr.percolation_threshold(1.0)


def test_composite_well_below_bruggeman_and_falls_steeply_with_active_fraction():
    sig, brug = [], []
    for w in (0.6, 0.7, 0.8, 0.85):
        c, s = composite_state({"NCM811": w, "Li6PS5Cl": round(1 - w, 3)})
        v_se = LIB.composite({"NCM811": w, "Li6PS5Cl": round(1 - w, 3)}).network["se_fraction"]
        sig.append(c.ionic_conductivity)
        brug.append(v_se ** 1.5)
        if w == 0.7:  # the usual loading: several times below Bruggeman on the separator's own conductivity
            assert s.ionic_conductivity * v_se ** 1.5 / c.ionic_conductivity > 2.0
            tau = s.ionic_conductivity * v_se * (1 - c.porosity) / c.ionic_conductivity
            assert 2.5 < tau < 8.0, tau  # tortuosity factor of the order measured (about 4-7)
    # each step in active fraction costs more than Bruggeman says, more and more towards the threshold (the
    # 60 -> 70 wt% step, 34 -> 44 vol% NCM, costs about 2x: Asano 2017 measured about 1.5x per 7 vol%)
    steps = [a / b for a, b in zip(sig, sig[1:])]
    brug_steps = [a / b for a, b in zip(brug, brug[1:])]
    assert all(m > b for m, b in zip(steps, brug_steps)), (steps, brug_steps)
    assert steps == sorted(steps)


def test_composite_falls_to_its_floor_at_the_percolation_threshold():
    ncm, se = LIB.get("NCM811"), LIB.get("Li6PS5Cl")
    v_c = tr.percolation_threshold(ncm["particle_size"] / se["particle_size"])
    v_se = v_c - 0.02  # just below the threshold, as a mass fraction
    w_se = v_se * se["density"] / (v_se * se["density"] + (1 - v_se) * ncm["density"])
    c, _ = composite_state({"NCM811": round(1 - w_se, 4), "Li6PS5Cl": round(w_se, 4)})
    above, _ = composite_state({"NCM811": 0.7, "Li6PS5Cl": 0.3})
    # issue 23: no SE network left, only the active particles' own conduction (tests/test_composite_sizes.py)
    assert tr.network_factor(v_se, v_c) == 0.0
    assert 0.0 < c.ionic_conductivity < 1e-3 * above.ionic_conductivity


def test_milled_se_grade_conducts_less_but_percolates_earlier():
    """Naming the milled grade uses its own (lower) conductivity; its finer particles lower the threshold, so at a
    high active fraction it can beat the coarse grade (the trade-off of Cronau 2022)."""
    milled, coarse = LIB.get("Li6PS5Cl-milled"), LIB.get("LPSCl")
    assert milled["ionic_conductivity"] < coarse["ionic_conductivity"]
    assert milled["particle_size"] < coarse["particle_size"]
    c_m, _ = composite_state({"NCM811": 0.7, "Li6PS5Cl-milled": 0.3})
    c_c, _ = composite_state({"NCM811": 0.7, "Li6PS5Cl": 0.3})
    assert LIB.composite({"NCM811": 0.7, "Li6PS5Cl-milled": 0.3})["ionic_conductivity"] == milled["ionic_conductivity"]
    assert c_m.ionic_conductivity != c_c.ionic_conductivity
    rich_m, _ = composite_state({"NCM811": 0.85, "Li6PS5Cl-milled": 0.15})
    rich_c, _ = composite_state({"NCM811": 0.85, "Li6PS5Cl": 0.15})
    assert rich_m.ionic_conductivity > rich_c.ionic_conductivity


def test_composite_porosity_matters():
    lo, _ = composite_state({"NCM811": 0.7, "Li6PS5Cl": 0.3}, cathode_pressure=150.0)
    hi, _ = composite_state({"NCM811": 0.7, "Li6PS5Cl": 0.3}, cathode_pressure=450.0)
    assert lo.porosity > hi.porosity and lo.ionic_conductivity < hi.ionic_conductivity


# ------------------------------------------------------------------ 2. compaction of hard/soft mixtures
def test_soft_se_fills_voids_lean_composite_denser_than_se_and_skeleton_limits_rich_ones():
    soft = (LIB.get("Li6PS5Cl")["heckel_intercept"], LIB.get("Li6PS5Cl")["yield_pressure"], 0.02)
    hard = (LIB.get("NCM622")["heckel_intercept"], LIB.get("NCM622")["yield_pressure"], 0.005)
    P = 380.0
    pure_se = cp.mixture_porosity(P, 0.0, soft, hard)
    assert pure_se == pytest.approx(1 - cp.heckel_density(P, *soft[:2], c_creep=soft[2]))
    assert cp.mixture_porosity(P, 0.25, soft, hard) < pure_se
    pure_cam = cp.mixture_porosity(P, 1.0, soft, hard)
    assert pure_cam == pytest.approx(1 - cp.heckel_density(P, *hard[:2], c_creep=hard[2]))
    assert cp.mixture_porosity(P, 0.9, soft, hard) > pure_se  # the hard skeleton limits densification
    assert cp.skeleton_share(0.2) == 0.0 and cp.skeleton_share(1.0) == pytest.approx(1.0)


def test_contact_hardness_is_separate_from_yield_pressure():
    ncm, se = LIB.get("NCM811"), LIB.get("Li6PS5Cl")
    assert ncm.contact_hardness > 3 * se.contact_hardness    # the particle is the hard side of a contact
    assert ncm.contact_hardness > 3 * ncm["yield_pressure"]  # though the powder compacts at a few hundred MPa
    user = LIB.get("Li5.5PS4.5Cl1.5")
    assert user.contact_hardness == user["yield_pressure"]  # default when the parameter is not given


# ------------------------------------------------------------------ 3. foils in a die
def foil_cell(thickness, pressure, foil_mm=None, clearance=None, die=10.0, material="Li"):
    die_t = {"diameter": f"{die} mm"}
    if clearance is not None:
        die_t["clearance"] = f"{clearance} um"
    foil = {"name": "anode", "role": "anode", "material": material, "thickness": f"{thickness} um"}
    if foil_mm is not None:
        foil["diameter"] = f"{foil_mm} mm"
    return Design.from_dict({
        "title": "foil", "die": die_t,
        "layers": [{"name": "separator", "role": "separator", "material": "Li6PS5Cl", "mass": "80 mg"}, foil],
        "steps": [{"add": ["separator"], "pressure": "300 MPa"}, {"add": ["anode"], "pressure": f"{pressure} MPa"}],
        "operation": {"stack_pressure": "5 MPa"}})


def extrusion(*a, **k):
    return simulate(foil_cell(*a, **k)).risk("metal extrusion", "anode")


def test_extrusion_depends_on_clearance_and_on_whether_the_foil_fills_the_die():
    assert extrusion(50, 30, clearance=25).score > extrusion(50, 30, clearance=15).score > extrusion(50, 30, clearance=5).score
    # 8 mm foil of 50 um in a 10 mm die: spreads only above sigma_y (1 + 2a/(3 sqrt3 h)) = 25.4 MPa
    p_spread = float(mech.extrusion_flow_pressure(0.8, 4.0, 50.0))
    assert p_spread == pytest.approx(0.8 * (1 + 8000 / (3 * math.sqrt(3) * 50)))
    below = extrusion(50, 0.9 * p_spread, foil_mm=8)
    assert below.score == 0.0 and "below" in below.reason
    above = extrusion(50, 1.2 * p_spread, foil_mm=8)
    assert above.score > 0.0 and "clearance" in above.reason


def test_thin_lithium_at_tens_of_mpa_flagged_thick_foils_of_working_protocols_not():
    assert mech.level(extrusion(50, 30).score) in ("medium", "high")
    assert mech.level(extrusion(50, 50).score) == "high"
    assert mech.level(extrusion(50, 5).score) == "low"
    assert mech.level(extrusion(500, 25, foil_mm=12.7, die=13).score) == "low"   # Doux 2020
    assert mech.level(extrusion(100, 40, foil_mm=9, material="In").score) == "low"  # Minnmann 2021


def test_gap_extrusion_closed_form():
    d1 = mech.gap_extrusion_length(mech.creep_dose(20.0, 60.0), 0.8, 15.0)
    d2 = mech.gap_extrusion_length(mech.creep_dose(20.0, 120.0), 0.8, 15.0)
    assert d2 / d1 == pytest.approx(2 ** (1 / (mech.CREEP_N + 1)))  # delta ~ t^(1/(n+1))
    x = mech.extrusion_thinning(mech.creep_dose(20.0, 60.0), 0.8, 15.0, 5.0, 50.0)
    assert x == pytest.approx(2 * 15.0 * d1 / (5000.0 * 50.0))
    P_on = mech.extrusion_onset_pressure(20.0, x)
    x_on = mech.extrusion_thinning(mech.creep_dose(P_on, 60.0), 0.8, 15.0, 5.0, 50.0)
    assert x_on == pytest.approx(mech.X_ONSET, rel=1e-6)


def test_lithium_creep_into_pores_saturates():
    H = 2.4
    d = mech.pore_penetration_depth(np.array([10.0, 100.0, 450.0, 5000.0]), H, 5.0, 0.15)
    assert np.all(np.diff(d) > 0) and d[-1] <= mech.N_ACCESS * 5.0 + 1e-9
    assert mech.pore_penetration_depth(0.5 * H, H, 5.0, 0.15) == 0.0
    co = simulate(presets.co_press()).interface("separator|anode")
    assert co.intermixing_depth <= mech.N_ACCESS * LIB.get("Li6PS5Cl")["particle_size"] + 1e-9


# ------------------------------------------------------------------ design format and batch
def test_clearance_and_foil_diameter_round_trip_and_validation():
    d = foil_cell(50, 10, foil_mm=8, clearance=20)
    again = Design.from_toml(d.to_toml())
    assert again.die.clearance == pytest.approx(20.0) and again.layers[1].diameter == pytest.approx(8.0)
    assert "clearance" not in presets.three_step().to_dict()["die"]  # optional: absent stays absent
    with pytest.raises(PressbookError, match=r"die\.clearance.*1 to 500 um"):
        foil_cell(50, 10, clearance=900).validate()
    with pytest.raises(PressbookError, match=r"die\.clearance"):
        Design.from_toml(d.to_toml().replace('clearance = "20 um"', 'clearance = "20 MPa"'))
    with pytest.raises(PressbookError, match=r"diameter.*at most the die diameter"):
        foil_cell(50, 10, foil_mm=12).validate()
    bad = foil_cell(50, 10)
    bad.layers[0].diameter = 5.0
    with pytest.raises(PressbookError, match=r"layers\.1 \(separator\)\.diameter.*metal foils"):
        bad.validate()


def test_batch_agrees_with_simulate_for_clearance_and_foil_diameter():
    base = foil_cell(50, 30, foil_mm=8)
    r = simulate_many(base, {"die.clearance": [5.0, 15.0, 40.0], "steps.2.pressure": [20.0, 30.0, 60.0]})
    for k in range(3):
        d = foil_cell(50, [20.0, 30.0, 60.0][k], foil_mm=8, clearance=[5.0, 15.0, 40.0][k])
        o = simulate(d)
        assert r.risk("metal extrusion")[k] == pytest.approx(o.risk("metal extrusion", "anode").score, rel=1e-9, abs=1e-12)
        assert r.total_asr[k] == pytest.approx(o.impedance.total_asr, rel=1e-9)


def test_a_smaller_foil_given_by_its_weighed_mass_is_the_same_disc_as_given_by_its_thickness():
    """A foil disc's mass is what the balance shows for that disc (the protocol card weighs it), not the mass of
    a foil filling the die: the same 8 mm, 50 um Li disc entered either way gives the same cell and card."""
    by_thickness = foil_cell(50, 30, foil_mm=8)
    disc_mg = 50e-4 * math.pi * 0.4 ** 2 * LIB.get("Li")["density"] * 1e3  # 50 um x 8 mm disc x density
    by_mass = foil_cell(50, 30, foil_mm=8)
    by_mass.layers[1].thickness, by_mass.layers[1].mass = None, disc_mg
    a, b = simulate(by_thickness), simulate(by_mass)
    ra, rb = a.risk("metal extrusion", "anode"), b.risk("metal extrusion", "anode")
    assert ra.score > 0.0  # 30 MPa spreads a 50 um disc (25.4 MPa), not a 32 um one (39 MPa)
    assert (rb.score, rb.reason, rb.threshold) == (pytest.approx(ra.score), ra.reason, ra.threshold)
    assert b.impedance.total_asr == pytest.approx(a.impedance.total_asr)
    from pressbook.lab.protocol_card import protocol_card

    texts = [" ".join(s.instructions()) for s in protocol_card(by_mass).steps]
    assert any("8 mm disc, 50 µm thick" in t and f"({disc_mg:.2f} mg)" in t for t in texts)


def test_batch_takes_a_foil_discs_mass_as_simulate_does():
    base = foil_cell(50, 30, foil_mm=8)
    base.layers[1].thickness, base.layers[1].mass = None, 1.3
    masses, dies = [0.8, 1.3, 2.0], [9.0, 10.0, 12.0]
    r = simulate_many(base, {"layers.2.mass": masses, "die.diameter": dies})
    for k in range(3):
        d = foil_cell(50, 30, foil_mm=8, die=dies[k])
        d.layers[1].thickness, d.layers[1].mass = None, masses[k]
        o = simulate(d)
        assert r.risk("metal extrusion")[k] == pytest.approx(o.risk("metal extrusion", "anode").score, rel=1e-9, abs=1e-12)
        assert r.total_asr[k] == pytest.approx(o.impedance.total_asr, rel=1e-9)
