"""Pure model functions: the relations each mechanism must obey (not the fitted numbers).

Where a whole design is needed, the relation is checked through simulate() on small variants of a preset.
"""
import numpy as np
import pytest

from pressbook import Step, presets, simulate
from pressbook.materials import default_library
from pressbook.models import compaction as cp
from pressbook.models import impedance as imp
from pressbook.models import interfaces as itf
from pressbook.models import mechanics as mech
from pressbook.models import transport as tr

LIB = default_library()
SE = LIB.get("Li6PS5Cl")
P = np.linspace(1.0, 1000.0, 400)


def se_args(m=SE):
    return m["heckel_intercept"], m["yield_pressure"]


# ------------------------------------------------------------------ compaction
@pytest.mark.parametrize("mid", ["Li6PS5Cl", "Li3PS4", "Li10GeP2S12", "Li3InCl6", "LLZO", "NCM811", "carbon"])
def test_heckel_density_rises_monotonically_and_stays_below_one(mid):
    m = LIB.get(mid)
    D = cp.heckel_density(P, *se_args(m))
    assert np.all(np.diff(D) > 0)
    assert np.all((D > 0) & (D < 1))


def test_heckel_linear_in_pressure():
    A, Py = se_args()
    y = cp.y_from_density(cp.heckel_density(P, A, Py))
    assert y == pytest.approx(A + P / Py)
    assert cp.density_from_y(cp.y_from_density(0.8)) == pytest.approx(0.8)


def test_llzo_does_not_densify_by_cold_pressing():
    D = cp.heckel_density(np.array([10.0, 500.0]), *se_args(LIB.get("LLZO")))
    D_se = cp.heckel_density(500.0, *se_args())
    assert D[1] - D[0] < 0.05 and D[1] < 0.8 < D_se


def test_pressure_memory_pressing_again_lower_does_not_densify():
    A, Py = se_args()
    c, Ts = SE["creep_coefficient"], SE["softening_temperature"]
    y1, P1 = cp.press(-np.inf, 0.0, 300.0, A, Py, c, 60.0, Ts, 25.0)
    y2, P2 = cp.press(y1, P1, 100.0, A, Py, c, 600.0, Ts, 25.0)
    assert y2 == y1 and P2 == P1 == 300.0
    y3, P3 = cp.press(y2, P2, 400.0, A, Py, c, 60.0, Ts, 25.0)
    assert y3 > y1 and P3 == 400.0


def test_pressure_memory_through_simulate():
    d = presets.se_pellet()
    once = simulate(d)
    d.steps.append(Step(add=[], pressure=100.0, hold=600.0))
    twice = simulate(d)
    assert twice.layers[0].relative_density == pytest.approx(once.layers[0].relative_density, rel=1e-12)
    assert twice.layers[0].max_pressure == once.layers[0].max_pressure
    assert len(twice.history) == 2
    # under 100 MPa the layer is re-compressed only elastically: below its 370 MPa density under load
    h = twice.history
    assert h[1].density_under_load["separator"] < h[0].density_under_load["separator"]


def test_hold_creep_increases_density():
    A, Py = se_args()
    holds = np.array([1.0, 10.0, 60.0, 600.0, 3600.0])
    D = cp.heckel_density(300.0, A, Py, c_creep=SE["creep_coefficient"], hold_s=holds)
    assert np.all(np.diff(D) > 0)
    d_short, d_long = presets.se_pellet(), presets.se_pellet()
    d_short.steps[0].hold, d_long.steps[0].hold = 10.0, 1800.0
    assert simulate(d_long).layers[0].relative_density > simulate(d_short).layers[0].relative_density


def test_warm_pressing_increases_density():
    A, Py = se_args()
    T = np.array([25.0, 100.0, 200.0])
    D = cp.heckel_density(200.0, A, Py, T_soft=SE["softening_temperature"], temperature_C=T)
    assert np.all(np.diff(D) > 0)
    assert cp.yield_pressure_at(Py, SE["softening_temperature"], 25.0) == pytest.approx(Py)
    cold, warm = presets.se_pellet(), presets.se_pellet()
    warm.steps[0].temperature = 180.0
    assert simulate(warm).layers[0].relative_density > simulate(cold).layers[0].relative_density


def test_friction_reduces_pressure_with_depth():
    z = np.linspace(0.0, 20.0, 50)
    f = cp.friction_factor(z, 10.0)
    assert f[0] == pytest.approx(1.0) and np.all(np.diff(f) < 0) and np.all(f > 0)
    # Janssen-Walker by hand: exp(-4 mu K z / D)
    mu, K = cp.FRICTION["mu"], cp.FRICTION["K"]
    assert cp.friction_factor(5.0, 10.0) == pytest.approx(np.exp(-4 * mu * K * 5.0 / 10.0))
    # a wider die loses less
    assert cp.friction_factor(5.0, 20.0) > cp.friction_factor(5.0, 10.0)


def test_friction_in_a_stack_and_double_acting_pressing():
    out = simulate(presets.co_press())
    lp = out.history[0].local_pressure
    # single-acting: the punch presses the top (anode); the bottom layer sees the least
    assert lp["anode"] > lp["separator"] > lp["cathode"]
    assert all(v <= 450.0 for v in lp.values())
    d = presets.co_press()
    d.die.pressing = "double"
    lp2 = simulate(d).history[0].local_pressure
    assert lp2["cathode"] > lp["cathode"]  # the far end gets its own punch


def test_springback_released_density_below_density_under_load():
    A, Py, M = SE["heckel_intercept"], SE["yield_pressure"], SE["compact_modulus"]
    y = cp.y_from_density(cp.heckel_density(P, A, Py))
    D_load = cp.density_at(y, P, M, P)
    D_rel = cp.density_at(y, P, M, 0.0)
    assert np.all(D_rel < D_load)
    assert D_load == pytest.approx(cp.density_from_y(y))
    # by hand: D_released = D_load / (1 + P / M)
    assert D_rel == pytest.approx(D_load / (1 + P / (M * 1e3)))
    assert cp.springback_strain(300.0, 18.5) == pytest.approx(300.0 / 18500.0)
    out = simulate(presets.se_pellet())
    h = out.history[0]
    assert h.density_released["separator"] < h.density_under_load["separator"]
    assert h.thickness_released["separator"] > h.thickness_under_load["separator"]


def test_thickness_from_mass_by_hand():
    # 80 mg at 1.86 g/cm3, fully dense, on a 10 mm die (0.7854 cm2): 0.08/1.86 cm3 / 0.7854 cm2 = 547.6 um
    area = np.pi * 0.5 ** 2
    assert cp.thickness_um(80.0, 1.86, area, 1.0) == pytest.approx(0.080 / 1.86 / area * 1e4)
    assert cp.thickness_um(80.0, 1.86, area, 0.5) == pytest.approx(2 * cp.thickness_um(80.0, 1.86, area, 1.0))


# ------------------------------------------------------------------ transport
def test_conductivity_rises_with_density_and_is_zero_below_percolation():
    Dc, t, s0 = SE["percolation_density"], SE["conductivity_exponent"], SE["ionic_conductivity"]
    D = np.linspace(0.3, 1.0, 200)
    s = tr.ionic_conductivity(D, s0, Dc, t)
    assert np.all(s[D <= Dc] == 0.0)
    above = s[D > Dc]
    assert np.all(above > 0) and np.all(np.diff(above) > 0)
    assert tr.ionic_conductivity(1.0, s0, Dc, t) == pytest.approx(s0)


def test_conductivity_arrhenius_and_pressure_through_simulate():
    s = tr.ionic_conductivity(0.9, 3.0, 0.6, 1.0, 0.35, np.array([0.0, 25.0, 60.0]))
    assert np.all(np.diff(s) > 0)
    assert s[1] == pytest.approx(tr.ionic_conductivity(0.9, 3.0, 0.6, 1.0))
    lo, hi = presets.se_pellet(), presets.se_pellet()
    lo.steps[0].pressure = 100.0
    assert simulate(hi).layers[0].ionic_conductivity > simulate(lo).layers[0].ionic_conductivity


def test_layer_resistance_by_hand_and_infinite_without_conduction():
    # 500 um at 1 mS/cm on 1 cm2: 0.05 cm / (1e-3 S/cm * 1 cm2) = 50 ohm
    assert tr.layer_resistance_ohm(500.0, 1.0, 1.0) == pytest.approx(50.0)
    assert tr.layer_resistance_ohm(500.0, 0.0, 1.0) == np.inf


# ------------------------------------------------------------------ interfaces
def test_contact_grows_with_pressure_and_asr_falls():
    H = SE["yield_pressure"]
    Phi = itf.contact_increment(P, 0.0, H, 0.0, H)
    f = itf.contact_fraction(Phi)
    assert np.all(np.diff(f) > 0) and np.all((f > 0) & (f < 1))
    asr = itf.interfacial_asr(2.0, f)
    assert np.all(np.diff(asr) < 0) and np.all(asr > 2.0)
    assert itf.interfacial_asr(2.0, 0.0) == np.inf
    assert itf.interfacial_asr(2.0, 1.0) == pytest.approx(2.0)


def test_stack_pressure_adds_contact():
    f0 = itf.contact_fraction(1.0, 0.0, 100.0)
    f1 = itf.contact_fraction(1.0, 10.0, 100.0)
    assert f1 > f0


def test_differential_pressure_effect():
    """A pre-compacted substrate (300 MPa) yields again only above its pre-compaction pressure."""
    H_sub, H_cat = SE["yield_pressure"], LIB.composite({"NCM811": 0.7, "Li6PS5Cl": 0.3})["yield_pressure"]
    below = itf.contact_increment(250.0, 300.0, H_sub, 0.0, H_cat)
    above = itf.contact_increment(450.0, 300.0, H_sub, 0.0, H_cat)
    only_cathode = itf.contact_increment(450.0, 1e9, H_sub, 0.0, H_cat)
    assert below == pytest.approx(250.0 / H_cat)   # only the loose side flows
    assert above > only_cathode                     # the SE surface yields again
    assert above == pytest.approx(150.0 / H_sub + 450.0 / H_cat)
    # through simulate: bonded above the pre-compaction (three-step) vs below it
    good = simulate(presets.three_step()).interface("cathode|separator")
    bad = simulate(presets.two_step_reverse()).interface("cathode|separator")
    assert good.contact_fraction > bad.contact_fraction and good.asr < bad.asr


def test_intermixing_larger_on_loose_substrate_than_on_pre_compacted():
    d50, H = 5.0, SE["yield_pressure"]
    loose = itf.intermixing_depth(450.0, 0.0, H, d50)
    compacted = itf.intermixing_depth(250.0, 300.0, H, d50)
    assert loose > compacted
    assert compacted == pytest.approx(itf.ROUGHNESS * d50)  # only the roughness
    assert np.all(np.diff(itf.intermixing_depth(P, 0.0, H, d50)) > 0)
    co = simulate(presets.co_press()).interface("cathode|separator")
    three = simulate(presets.three_step()).interface("cathode|separator")
    assert co.intermixing_depth > three.intermixing_depth


def test_lithium_creep_depth_zero_below_hardness_and_grows_with_pressure():
    H = 3.0 * LIB.get("Li")["yield_strength"]
    assert mech.pore_penetration_depth(0.5 * H, H, 5.0, 0.2) == 0.0
    d = mech.pore_penetration_depth(np.array([2 * H, 4 * H]), H, 5.0, 0.2)
    assert d[1] > d[0] > 0
    assert mech.pore_penetration_depth(4 * H, H, 5.0, 0.3) > mech.pore_penetration_depth(4 * H, H, 5.0, 0.1)


# ------------------------------------------------------------------ mechanics
def test_risk_scores_are_in_0_1_and_monotonic():
    cr = mech.crumbling_score(P, 40.0)
    assert np.all(np.diff(cr) <= 0) and cr[0] > 0.9 and cr[-1] < 0.01
    se = mech.se_cracking_score(P, 750.0)
    assert np.all(np.diff(se) >= 0) and se[0] == 0 and se[-1] == 1
    assert mech.se_cracking_score(0.8 * 750.0, 750.0) == 0.0
    pf = mech.extrusion_flow_pressure(0.8, 5.0, 50.0)
    assert pf == pytest.approx(0.8 * (1 + 2 * 5000.0 / (3 * np.sqrt(3) * 50.0)))  # friction hill, two sticking faces
    assert mech.extrusion_flow_pressure(0.8, 5.0, 500.0) < pf  # a thicker foil flows earlier
    score, op, fab = mech.lithium_creep_score(5.0, 10.0, mech.LI_REF_POROSITY)
    assert score == op == fab == 0.0
    score, op, fab = mech.lithium_creep_score(25.0, 75.0, mech.LI_REF_POROSITY)
    assert op == pytest.approx(1.0) and fab == pytest.approx(1.0)
    assert mech.level(0.1) == "low" and mech.level(0.5) == "medium" and mech.level(0.9) == "high"
    assert mech.delamination_score(0.01, 0.01) == 0.0


# ------------------------------------------------------------------ impedance
def test_spectrum_limits():
    R0, arcs = 20.0, [(50.0, imp.capacitance_to_Q(1e-6, 50.0), 0.85), (200.0, imp.capacitance_to_Q(1e-5, 200.0), 0.85)]
    Z = imp.spectrum(R0, arcs, frequencies=np.array([1e13, 1e-7]))
    assert Z[0].real == pytest.approx(R0, rel=1e-3)      # high-frequency limit: R0
    assert Z[1].real == pytest.approx(R0 + 250.0, rel=1e-3)  # low-frequency: R0 + sum R
    Zf = imp.spectrum(R0, arcs)
    assert np.all(Zf.imag <= 0)  # capacitive: below the real axis
    assert np.all(np.diff(Zf.real) >= 0)  # frequencies fall along the array, Z' grows


def test_blocking_spectrum_diverges_at_low_frequency():
    Z = imp.spectrum(20.0, [], blocking_Q=1e-6, frequencies=np.array([1e10, 1e-2, 1e-4]))
    assert Z[0].real == pytest.approx(20.0, rel=1e-2)
    assert -Z[2].imag > -Z[1].imag > 1e3


def test_circuit_string():
    assert imp.circuit_string(2, False) == "R0-p(R1,CPE1)-p(R2,CPE2)"
    assert imp.circuit_string(0, True) == "R0-CPE1"
    # Q of a CPE with alpha = 1 is the capacitance
    assert imp.capacitance_to_Q(1e-6, 100.0, 1.0) == pytest.approx(1e-6)


@pytest.mark.parametrize("name", sorted(presets.PRESETS))
def test_outcome_spectrum_matches_impedance_py_custom_circuit(name):
    pytest.importorskip("pandas")
    circuits = pytest.importorskip("impedance.models.circuits")
    out = simulate(presets.preset(name))
    z = out.impedance
    Zp = z.z_real + 1j * z.z_imag
    if not np.all(np.isfinite(z.parameters)):
        pytest.skip(f"{name}: a layer does not conduct (infinite resistance), nothing to fit")
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        c = circuits.CustomCircuit(z.circuit, initial_guess=list(z.parameters))
        Z = c.predict(z.frequencies)
    assert np.allclose(Z, Zp, rtol=1e-10, atol=0)
    # the limits of the outcome's own spectrum
    if not z.blocking:
        assert Zp[0].real == pytest.approx(z.parameters[0], rel=0.05)
        Zlow = imp.spectrum(z.parameters[0], [tuple(z.parameters[1 + 3 * k: 4 + 3 * k])
                                              for k in range((len(z.parameters) - 1) // 3)],
                            frequencies=np.array([1e-8]))
        assert Zlow[0].real == pytest.approx(z.total_resistance, rel=1e-3)
        assert z.total_asr == pytest.approx(z.total_resistance * z.area)
