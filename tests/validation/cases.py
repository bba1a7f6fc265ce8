"""Model predictions next to the published numbers: one ``Comparison`` per dataset.

Each comparison says whether the data were used to fit a library parameter (``calibration``: the test
checks the quality of that fit) or not (``validation``: an out-of-sample prediction), how the error is
measured (``abs``: model - data in the data's unit; ``rel``: model / data - 1) and the tolerance with the
reason a materials scientist would accept it. The tests in this directory assert these tolerances; the
report script (tools/validation_report.py) plots the same numbers. Nothing here is fitted: the model runs
with the packaged library (pressbook/data/materials.toml).

Experimental set-ups are rebuilt as pressbook designs with the masses, dies, pressures, holds and
measurement (stack) pressures the sources give; where a source does not give one, the choice is stated
next to it (``assumed``).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from pressbook.design import Design, Die, Layer, Operation, Step
from pressbook.materials import default_library
from pressbook.simulate import simulate

try:
    from . import literature as L
except ImportError:  # imported as a top-level module (tools/)
    import literature as L

RELEASED_STACK = 0.11  # MPa: Miss 2026 release their pellets to 0.11 MPa; used for every "released" density


@dataclass
class Comparison:
    name: str            # dataset name, as in the report
    role: str            # "calibration" or "validation"
    quantity: str
    x: np.ndarray
    x_label: str
    data: np.ndarray
    model: np.ndarray
    error: str           # "abs" or "rel"
    tolerance: float
    why: str             # why this tolerance
    fitted: str = ""     # calibration: which parameters these data fixed
    expected_failure: str = ""  # non-empty: a known disagreement (see the report), the test is xfail(strict)
    extra: dict = field(default_factory=dict)

    @property
    def errors(self) -> np.ndarray:
        return self.model - self.data if self.error == "abs" else self.model / self.data - 1.0

    @property
    def max_error(self) -> float:
        return float(np.max(np.abs(self.errors)))

    @property
    def passed(self) -> bool:
        return self.max_error <= self.tolerance


def pellet(material=None, *, mass, die, pressure, hold=60.0, stack=RELEASED_STACK, composition=None):
    """One powder layer pressed once in a die, then held at ``stack`` (the measurement pressure)."""
    d = Design(title="pellet", die=Die(diameter=die),
               layers=[Layer(name="pellet", role="separator", material=material, composition=composition, mass=mass)],
               steps=[Step(add=["pellet"], pressure=pressure, hold=hold)], operation=Operation(stack_pressure=stack))
    return simulate(d).layer("pellet")


def fit_library():
    """tools/fit_library.py as a module (the tools directory is not a package)."""
    import importlib.util
    import sys
    from pathlib import Path
    if "fit_library" not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            "fit_library", Path(__file__).resolve().parents[2] / "tools" / "fit_library.py")
        mod = importlib.util.module_from_spec(spec)
        sys.modules["fit_library"] = mod
        spec.loader.exec_module(mod)
    return sys.modules["fit_library"]


def curve(f, lo=20.0, hi=600.0, n=30):
    """The model on a pressure grid, for the report's plots of single-point datasets."""
    xs = np.linspace(lo, hi, n)
    return xs, _vec(f, xs)


def _vec(f, xs):
    return np.array([f(float(x)) for x in xs])


# ---------------------------------------------------------------- densities
def miss_li55_under_load():
    d = L.miss_li55_density("UNDER LOAD")
    m = _vec(lambda P: pellet("Li5.5PS4.5Cl1.5", mass=80.2, die=10, pressure=P).density_under_load, d.x)
    return Comparison(d.name, "calibration", "relative density under load", d.x, d.x_label, d.y, m, "abs", 0.03,
                      "card recomputation from printed thicknesses (about +/-0.01) plus the misfit of a two-parameter "
                      "Heckel law over 10-400 MPa; 0.03 in relative density is the usual agreement of compaction laws",
                      fitted="Li5.5PS4.5Cl1.5 heckel_intercept, yield_pressure")


def miss_li55_released():
    d = L.miss_li55_density("AFTER RELEASE")
    m = _vec(lambda P: pellet("Li5.5PS4.5Cl1.5", mass=80.2, die=10, pressure=P).relative_density, d.x)
    return Comparison(d.name, "validation", "relative density released in the die", d.x, d.x_label, d.y, m, "abs", 0.03,
                      "predicted from the under-load fit and one springback number (300 MPa); same 0.03 as the "
                      "under-load curve: the elastic step adds < 0.01", fitted="(springback at 300 MPa only)")


def miss_nmc622_under_load():
    d = L.miss_nmc622_density("UNDER LOAD")
    m = _vec(lambda P: pellet("NCM622", mass=80.0, die=10, pressure=P).density_under_load, d.x)
    return Comparison(d.name, "calibration", "relative density under load", d.x, d.x_label, d.y, m, "abs", 0.03,
                      "as the argyrodite curve", fitted="NCM622 heckel_intercept, yield_pressure")


def miss_nmc622_released():
    d = L.miss_nmc622_density("AFTER RELEASE")
    m = _vec(lambda P: pellet("NCM622", mass=80.0, die=10, pressure=P).relative_density, d.x)
    return Comparison(d.name, "validation", "relative density released in the die", d.x, d.x_label, d.y, m, "abs", 0.04,
                      "NMC622 springs back 0.7-8.6 %, strongly pressure dependent; one modulus from the 300 MPa "
                      "value cannot follow it exactly: 0.04 (digitized-trend range 0.03-0.05)",
                      fitted="(springback at 300 MPa only)")


def sakuda_glass_density():
    d = L.sakuda_glass_density()
    m = _vec(lambda P: pellet("Li3PS4", mass=500.0, die=10, pressure=P).relative_density, d.x)
    return Comparison(d.name, "calibration", "relative density released", d.x, d.x_label, d.y, m, "abs", 0.05,
                      "third-party eye-read of a figure, ranges of +/-0.02-0.03 printed in the table; 0.05 for a "
                      "digitized trend", fitted="Li3PS4 heckel_intercept, yield_pressure (with M = 20 GPa estimate)")


def doux_li6ps5cl_density():
    d = L.doux_li6ps5cl_density()
    m = pellet("Li6PS5Cl", mass=d.extra["mass_mg"], die=d.extra["die_mm"], pressure=float(d.x[0])).ejected_density
    return Comparison(d.name, "calibration", "relative density of the ejected pellets (4-pellet mean)", d.x[:1], d.x_label,
                      np.array([d.extra["mean"]]), np.array([m]), "abs", 0.03,
                      "the four pellets span 0.803-0.849 (+/-0.023 about the mean)", fitted="Li6PS5Cl yield_pressure",
                      extra={"pellets": d.y, "curve": curve(lambda P: pellet(
                          "Li6PS5Cl", mass=d.extra["mass_mg"], die=d.extra["die_mm"], pressure=P).ejected_density)})


def minnmann_composite_porosity():
    d = L.minnmann_composite_porosity()
    lib = default_library()
    rho_cam, rho_se = lib.get("NCM622")["density"], lib.get("Li6PS5Cl")["density"]

    def porosity(v):
        w = v * rho_cam / (v * rho_cam + (1 - v) * rho_se)  # volume -> mass fraction of the active material
        return pellet(composition={"NCM622": w, "Li6PS5Cl": 1 - w}, mass=100.0, die=10,
                      pressure=d.extra["pressure"], hold=d.extra["hold"]).porosity
    m = _vec(porosity, d.x)
    pure = pellet("Li6PS5Cl", mass=100.0, die=10, pressure=d.extra["pressure"], hold=d.extra["hold"]).porosity
    return Comparison(d.name, "validation", "composite porosity at 380 MPa, 3 min", d.x, d.x_label, d.y, m, "abs", 0.05,
                      "porosity from thickness; the author warns of up to 10 % error and assumes 14 % on average "
                      "(range 7.6-17 %): 0.05 in porosity is the digitized-trend tolerance. Until issue 13 this was a "
                      "known failure (volume-mixed yield pressure: 16-19 %, never denser than the SE); the hard/soft "
                      "mixture law (no constant fitted to composites) passed it out of sample",
                      expected_failure="issue 23: the joint calibration sets Li6PS5Cl's yield pressure to 326 MPa (v2 "
                      "431.7: Doux 2020's ejected pellets with the v2 ejection law; now with the saturating ejection law "
                      "and the Cronau series), so the SE under load is denser and the 33-42 vol% composites come out "
                      "0.04-0.06 too dense (the mixture law fits nothing to composites)",
                      extra={"average": d.extra["average"], "pure_se_porosity": pure})


def llzo_cold_pressing():
    P = np.array([100.0, 300.0, 500.0])
    m = _vec(lambda p: pellet("LLZO", mass=300.0, die=10, pressure=p).relative_density, P)
    return Comparison("LLZO cold pressing (no densification)", "validation", "relative density released", P,
                      "pressure (MPa)", np.full_like(P, 0.70), m, "abs", 0.0,
                      "garnet oxides do not deform plastically at die pressures (hardness 11 GPa); a cold-pressed "
                      "green compact stays near its packing density: the test asserts model < 0.70 (data column = "
                      "the bound)", extra={"bound": 0.70})


# ---------------------------------------------------------------- conductivity
def miss_li55_conductivity():
    d = L.miss_li55_conductivity()
    j = joint_fit()  # electrode contact and in-situ thickness are not stated: the joint fit's nuisance values
    m = _vec(lambda P: as_measured(pellet("Li5.5PS4.5Cl1.5", mass=80.2, die=10, pressure=P, stack=P).ionic_conductivity,
                                   P, j["L_miss"], j["e_miss"]), d.x)
    return Comparison(d.name, "calibration", "ionic conductivity under the forming pressure, as read by the cell's "
                      "electrodes (the joint fit's electrode nuisances)", d.x, d.x_label, d.y, m,
                      "rel", 0.30, "digitized conductivities (5-10 %) and a three-parameter contact law; +/-30 % is "
                      "inside the +/-50 % inter-laboratory spread of argyrodite conductivity (Ohno 2020)",
                      fitted="Li5.5PS4.5Cl1.5 ionic_conductivity, percolation_density, conductivity_exponent")


def cronau_li55_conductivity():
    P, s, stack = L.cronau_li55()
    # assumed: 100 mg in a 10 mm die (not given); hold 120 s and stack ~97 MPa from the protocol
    m = pellet("Li5.5PS4.5Cl1.5", mass=100.0, die=10, pressure=P, hold=120.0, stack=stack).ionic_conductivity
    grid = curve(lambda p: pellet("Li5.5PS4.5Cl1.5", mass=100.0, die=10, pressure=p, hold=120.0,
                                  stack=min(stack, p)).ionic_conductivity)
    return Comparison("Cronau 2021 Li5.5PS4.5Cl1.5 conductivity", "calibration",
                      "conductivity after 389 MPa, measured at ~97 MPa stack", np.array([P]), "fabrication pressure (MPa)",
                      np.array([s]), np.array([m]), "rel", 0.30,
                      "+/-30 %, inside the +/-50 % inter-laboratory spread (Ohno 2020); the same SI series (S2d) is "
                      "calibration data of the joint fit since issue 23", fitted="Li5.5PS4.5Cl1.5 ionic_conductivity "
                      "(joint calibration v3)", extra={"curve": grid})


#: Conditions a source does not state, as the range a lab would use (issue 23: an unstated condition is uncertain)
DOUX_STACK_RANGE = (1.0, 100.0)      # MPa: Doux 2020's measurement stack pressure is not given
MINNMANN_FORMING_RANGE = (150.0, 500.0)  # MPa: Minnmann 2021's pellet forming pressure is not given


def joint_fit() -> dict:
    """The shipped joint calibration (pressbook/data/joint_calibration.json): its values by name."""
    import json
    from pathlib import Path
    path = Path(__file__).resolve().parents[2] / "pressbook" / "data" / "joint_calibration.json"
    return {k: v["value"] for k, v in json.loads(path.read_text(encoding="utf-8"))["parameters"].items()}


def as_measured(sigma, stack, thickness_mm, electrode_weight=1.0):
    """What pressed blocking electrodes read (issue 23): the model's conductivity with the electrode contact term of
    the joint calibration (pressbook.lab.joint_calibration.apparent_sigma). electrode_weight 0: sputtered."""
    from pressbook.lab.joint_calibration import apparent_sigma
    j = joint_fit()
    return apparent_sigma(sigma, stack, thickness_mm, j["c_e"], j["q_e"], electrode_weight)


def _covers(name, quantity, x, x_label, data, lo, hi, tol, why):
    """A validation whose condition is a range: the data must lie within the model's range widened by ``tol``
    (relative); ``model`` holds the range's geometric middle."""
    return Comparison(name, "validation", quantity, np.array([x]), x_label, np.array([data]),
                      np.array([math.sqrt(lo * hi)]), "covers", tol, why, extra={"lo": np.array([lo]),
                                                                              "hi": np.array([hi])})


def doux_li6ps5cl_conductivity():
    """Out of sample (issue 23): Doux 2020's 370 MPa Li6PS5Cl pellet, 2-2.5 mS/cm, measured at a stack pressure the
    source does not state: the model's conductivity over 1-100 MPa must cover it."""
    P, s, D = L.doux_li6ps5cl_conductivity()
    vals = [pellet("Li6PS5Cl", mass=200.0, die=13, pressure=P, stack=S).ionic_conductivity for S in DOUX_STACK_RANGE]
    return _covers("Doux 2020 Li6PS5Cl conductivity", "conductivity of the 370 MPa pellet (stack pressure not "
                   f"stated: {DOUX_STACK_RANGE[0]:g}-{DOUX_STACK_RANGE[1]:g} MPa)", P, "pressure (MPa)", s,
                   min(vals), max(vals), 0.30, "another laboratory (UCSD) than the calibration data (Marburg): "
                   "+/-30 %, inside the inter-laboratory spread of argyrodite conductivity (Ohno 2020)")


def minnmann_li6ps5cl_conductivity():
    """Out of sample (issue 23): Minnmann 2021's Li6PS5Cl pellet, 1.6 mS/cm at ~40 MPa stack, forming pressure not
    stated: the model's conductivity over 150-500 MPa forming must cover it."""
    row = [r for r in L.rows("conductivity_vs_pressure") if r["material"] == "Li6PS5Cl (NEI) pellet"][0]
    s = L.number(row["conductivity_mS_cm"])
    vals = [pellet("Li6PS5Cl", mass=100.0, die=10, pressure=P, stack=40.0).ionic_conductivity
            for P in np.linspace(*MINNMANN_FORMING_RANGE, 8)]
    return _covers("Minnmann 2021 Li6PS5Cl conductivity", "conductivity at ~40 MPa stack (forming pressure not "
                   "stated: 150-500 MPa)", 40.0, "stack pressure (MPa)", s, min(vals), max(vals), 0.30,
                   "another laboratory (Giessen) than the calibration data: +/-30 %, inside the inter-laboratory "
                   "spread (Ohno 2020)")


def cronau_li6ps5cl_absolute():
    """Issue 23 done-when: Li6PS5Cl pellets formed at 292-487 MPa and measured at 50-300 MPa stack (Cronau 2021 SI
    S2c, the joint calibration's data) against the whole model (10 mm die, 100 mg: not stated, a thin pellet)."""
    rows = [r for r in L.rows("cronau2021_si_stack") if r["material"] == "uC-Li6PS5Cl"]
    xs, data, model = [], [], []
    for fab in (292.03, 389.30, 486.73):
        curve = [r for r in rows if float(r["fab_pressure_MPa"]) == fab]
        S = np.array([float(r["stack_pressure_MPa"]) for r in curve])
        for target in (50.0, 100.0, 200.0, 290.0):
            i = int(np.argmin(np.abs(S - target)))
            xs.append(S[i])
            data.append(float(curve[i]["sigma_mS_cm"]))
            model.append(as_measured(pellet("Li6PS5Cl", mass=100.0, die=10, pressure=fab, hold=120.0,
                                            stack=float(S[i])).ionic_conductivity, float(S[i]), joint_fit()["L_cronau"]))
    return Comparison("Cronau 2021 SI Li6PS5Cl conductivity at 50-300 MPa stack", "calibration",
                      "conductivity of pellets formed at 292-487 MPa, read between pressed WC electrodes",
                      np.array(xs), "stack pressure (MPa)",
                      np.array(data), np.array(model), "rel", 0.30,
                      "digitized (5-10 %); the model error of the joint fit is 10 % and the series carries an "
                      "unexplained fabrication-pressure inversion at low stack: +/-30 % as for every conductivity",
                      fitted="Li6PS5Cl ionic_conductivity, contact_retention (joint calibration v3)")


# ---------------------------------------------------------------- issue 12: grain contacts under stack pressure
def _density_law(layer, material):
    """The density-law part of a layer's conductivity (no grain-contact factor), at the layer's density in the cell."""
    from pressbook.models import transport as tr
    m = default_library().get(material)
    return float(tr.ionic_conductivity(layer.relative_density, m["ionic_conductivity"], m["percolation_density"],
                                       m["conductivity_exponent"]))


def cronau_stack_ratio():
    c = L.cronau_li6ps5br_stack()
    low = pellet("Li6PS5Cl", mass=200.0, die=10, pressure=c["P_low"], stack=c["stack_low"]).ionic_conductivity
    high = pellet("Li6PS5Cl", mass=200.0, die=10, pressure=c["P_high"], stack=200.0).ionic_conductivity
    gm = float(np.sqrt(c["GC"] * c["uC"]))
    # issue 23: the two Fig. 4 cells are now fitted as absolute values by the joint calibration (each with its class);
    # what stays is the check that a micro-crystalline-class argyrodite sits between the two measured classes
    return Comparison("Cronau 2021 Li6PS5Br low- vs high-stack conductivity", "validation",
                      "sigma (392 MPa, ~10 MPa stack) / sigma (487 MPa, high-stack plateau)", np.array([c["P_low"]]),
                      "forming pressure of the low-stack pellet (MPa)", np.array([gm]), np.array([low / high]), "range",
                      0.0, "between the two measured powders (uC 0.27, GC 0.76, digitized), which differ 3x; the "
                      "argyrodite family (Li6PS5Cl parameters) stands in for Li6PS5Br",
                      extra={"GC": c["GC"], "uC": c["uC"], "lo": np.array([c["uC"]]), "hi": np.array([c["GC"]])})


def cronau_li6ps5cl_stack():
    """Out of sample: Li6PS5Cl pellets formed at 195-487 MPa, conductivity at ~49 and ~68 MPa stack over their own
    plateau (>= 146 MPa stack), Cronau 2021 SI Fig. S2c (microcrystalline; digitized, third-party digest)."""
    d = L.cronau_li6ps5cl_stack_ratio("uC")
    gc = L.cronau_li6ps5cl_stack_ratio("GC")
    xs, lo, hi, model = [], [], [], []
    for s_, a, b in zip(d["stack"], d["lo"], d["hi"]):
        for P in d["fabrication"]:
            low = pellet("Li6PS5Cl", mass=100.0, die=10, pressure=float(P), hold=120.0, stack=float(s_)).ionic_conductivity
            plateau = pellet("Li6PS5Cl", mass=100.0, die=10, pressure=float(P), hold=120.0,
                             stack=float(min(P, 250.0))).ionic_conductivity
            xs.append(float(s_))
            lo.append(a)
            hi.append(b)
            model.append(low / plateau)
    lo, hi = np.array(lo), np.array(hi)
    return Comparison("Cronau 2021 SI Li6PS5Cl stack-pressure ratio", "calibration",
                      "sigma at stack / own high-stack plateau (fabrication 195-487 MPa)", np.array(xs),
                      "stack pressure (MPa)", 0.5 * (lo + hi), np.array(model), "range", 0.05,
                      "ranges of digitized ratios over four fabrication pressures (microcrystalline Li6PS5Cl); the model "
                      "must fall inside each range widened by 0.05 (two digitized values per ratio). Below 30-50 MPa the "
                      "measurement also carries the electrode contact, so only 49 and 68 MPa are used",
                      fitted="argyrodite contact_exponent, contact_saturation, contact_retention (joint calibration v3 "
                      "on the same SI series)", extra={"lo": lo, "hi": hi, "GC": gc})


def contact_pressure_exponent():
    """Out of sample: the pressure exponent of the grain-contact conductance (fitted to Miss 2026) against the
    pressure exponent of electrode|Li6PS5Cl interfacial resistance (arXiv:2501.00600)."""
    e = L.contact_exponents()
    m = default_library().get("Li6PS5Cl")["contact_exponent"]
    return Comparison("arXiv:2501.00600 contact resistance pressure exponent", "validation",
                      "exponent of R vs pressure (model: -m of the grain-contact factor)", np.array([0.0]), "-",
                      np.array([e["pressure"]]), np.array([-m]), "abs", 0.15,
                      "a different contact (electrode|SE rather than grain|grain) of the same electrolyte family; "
                      "0.15 covers the two-parameter fit's standard error (0.02) and the paper's power-law range")


def sakuda_glass_conductivity():
    d = L.sakuda_glass_conductivity()
    m = _vec(lambda P: pellet("Li3PS4", mass=200.0, die=10, pressure=P).ionic_conductivity, d.x)
    return Comparison(d.name, "calibration", "conductivity of cold-pressed glass", d.x, d.x_label, d.y, m, "rel", 0.30,
                      "+/-30 % as for every conductivity. The two points fixed D_c and t by an exact solve on the "
                      "Heckel law; the model's pellet also loses 1-2 % of the axial pressure to die-wall friction, and "
                      "at 70 MPa (D = 0.60, D_c = 0.59) that moves sigma by about 20 %",
                      fitted="Li3PS4 percolation_density, conductivity_exponent",
                      extra={"curve": curve(lambda p: pellet("Li3PS4", mass=200.0, die=10, pressure=p).ionic_conductivity)})


def koerver_separator_resistance():
    k = L.koerver_cell()
    o = simulate(fit_library().koerver_design(k))
    R_sep = o.layer("separator").resistance
    R_cat = [R for e, meaning, R in o.impedance.elements if meaning == "cathode"][0]
    return Comparison("Koerver 2017 NCM811 | beta-Li3PS4 | In cell", "validation",
                      "separator resistance (ohm); the cathode arc (calibration of interface_asr) in extra",
                      np.array([k["pressure"]]), "pressure (MPa)", np.array([k["R_separator_ohm"]]), np.array([R_sep]),
                      "rel", 0.50, "inter-laboratory spread of sulfide conductivity (+/-50 %, Ohno 2020)",
                      expected_failure=("the library has no crystalline beta-Li3PS4; the 75Li2S-25P2S5 glass "
                                        "(sigma_bulk 0.34 mS/cm) stands in for it here. The measured 463 ohm for ~400 um "
                                        "means about 0.11 mS/cm: a beta-Li3PS4 entry needs its own compaction and "
                                        "conductivity data"),
                      extra={"R_cathode_model": R_cat, "R_cathode_data": k["R_cathode_ohm"]})


def koerver_cathode_arc():
    k = L.koerver_cell()
    o = simulate(fit_library().koerver_design(k))
    R_cat = [R for e, meaning, R in o.impedance.elements if meaning == "cathode"][0]
    return Comparison("Koerver 2017 cathode|SE charge-transfer arc", "calibration",
                      "R_SE/cathode at the start of charge (ohm)", np.array([k["pressure"]]), "pressure (MPa)",
                      np.array([k["R_cathode_ohm"]]), np.array([R_cat]), "rel", 0.05,
                      "the value NCM811 interface_asr was backed out from (tools/fit_library.py); 5 % allows the "
                      "rounding of the library value and a 12 mg composite mass",
                      fitted="NCM811 interface_asr")


# ---------------------------------------------------------------- lithium
def symmetric_li_cell(stack: float, se_pressure: float = 370.0, attach: float | None = None):
    """Doux 2020 Li | Li6PS5Cl | Li: 13 mm die, 200 mg SE at 370 MPa, Li foils attached at max(25 MPa, stack)
    (protocols.csv: 25 MPa for contact, then the operating stack), operated at ``stack``."""
    attach = max(25.0, stack) if attach is None else attach
    d = Design.from_toml(f"""
title = "Doux 2020 symmetric cell, {stack} MPa"
[die]
diameter = "13 mm"
[[layers]]
name = "Li bottom"
role = "anode"
material = "Li"
thickness = "500 um"
[[layers]]
name = "separator"
role = "separator"
material = "Li6PS5Cl"
mass = "200 mg"
[[layers]]
name = "Li top"
role = "anode"
material = "Li"
thickness = "500 um"
[[steps]]
add = ["separator"]
pressure = "{se_pressure} MPa"
hold = "1 min"
[[steps]]
add = ["Li bottom", "Li top"]
pressure = "{attach} MPa"
hold = "1 min"
[operation]
stack_pressure = "{stack} MPa"
""")
    return simulate(d)


def doux_short_circuit():
    d = L.doux_time_to_short()
    scores = []
    for P in d.x:
        o = symmetric_li_cell(float(P))
        scores.append(max(r.score for r in o.risks if r.name == "lithium creep short"))
    return Comparison(d.name, "validation", "lithium creep short score (0-1) vs time to short (h)", d.x, d.x_label,
                      d.y, np.array(scores), "order", 0.0,
                      "ordering only: the score must not decrease as the time to short decreases, be low (< 0.33) at "
                      "<= 5 MPa (no short) and high (> 0.66) at 75 MPa (short on pressing). The 5/25/75 MPa anchors of "
                      "the score were read from this same study, so this is a consistency check of the whole chain "
                      "(porosity of the model's separator, attachment pressure), not an independent validation",
                      extra={"censored": d.extra["censored"]})


# ---------------------------------------------------------------- issue 13: composite conduction, foils in a die
def asano_composite_conductivity():
    """The SE-network factor against Asano 2017 (the data T_PERC was fitted to, at an assumed size ratio of 3)."""
    import pressbook.models.transport as tr
    d = L.asano_composite_conductivity()
    ratio = fit_library().ASANO_SIZE_RATIO
    m = tr.composite_conductivity(d.extra["sigma_se"], 1.0 - d.x / 100.0, ratio)
    bruggeman = d.extra["sigma_se"] * (1.0 - d.x / 100.0) ** 1.5
    return Comparison(d.name, "calibration", "composite / SE conductivity at equal SE-network density (mS/cm)", d.x,
                      d.x_label, d.y, m, "rel", 0.30,
                      "numbers as stated in the issue (not read from the paper); +/-30 % as for every conductivity",
                      fitted="models.transport.T_PERC (size ratio 3 assumed)", extra={"bruggeman": bruggeman})


def froboese_exponent():
    """Out of sample: Froboese 2019's inert-filler exponent (~2.9) for v_SE >= 0.6 (below 40 vol% filler, where
    particle size does not matter), for size ratios 1 and 3."""
    import pressbook.models.transport as tr
    n = L.froboese_exponent()
    v = np.array([0.6, 0.7, 0.8, 0.9, 0.6, 0.7, 0.8, 0.9])
    lam = np.array([1.0] * 4 + [3.0] * 4)
    return Comparison("Froboese 2019 inert-filler exponent (v_SE 0.6-0.9)", "validation",
                      "sigma_eff / sigma_SE vs v_SE^2.9 (size ratio 1, then 3)", v, "SE volume fraction", v ** n,
                      np.asarray(tr.network_factor(v, tr.percolation_threshold(lam))), "rel", 0.30,
                      "the exponent is stated (about 2.9), not a table: +/-30 % as for every conductivity")


def bielefeld_threshold():
    """The SE cluster breaks down above ~79 vol% active material (Bielefeld 2019): the model's threshold at the
    size ratio assumed for that study (3) was set from this number (K_LAMBDA)."""
    import pressbook.models.transport as tr
    brk = L.bielefeld_breakdown()
    return Comparison("Bielefeld 2019 SE-cluster breakdown", "calibration", "SE percolation threshold (vol fraction)",
                      np.array([3.0]), "size ratio d_CAM/d_SE (assumed)", np.array([1.0 - brk]),
                      np.array([float(tr.percolation_threshold(3.0))]), "abs", 0.02,
                      "the threshold is read as 'about 79 vol%': +/-2 vol%", fitted="models.transport.K_LAMBDA")


def foil_design(material, thickness_um, foil_mm, die_mm, pressure, clearance=None, hold=60.0):
    """A foil pressed onto a pre-compacted Li6PS5Cl separator (200 mg at 370 MPa) in a die, as an anode step."""
    die = {"diameter": f"{die_mm} mm"}
    if clearance is not None:
        die["clearance"] = f"{clearance} um"
    layer = {"name": "foil", "role": "anode", "material": material, "thickness": f"{thickness_um} um"}
    if foil_mm is not None:
        layer["diameter"] = f"{foil_mm} mm"
    return Design.from_dict({
        "title": f"{material} foil at {pressure} MPa", "die": die,
        "layers": [{"name": "separator", "role": "separator", "material": "Li6PS5Cl", "mass": "200 mg"}, layer],
        "steps": [{"add": ["separator"], "pressure": "370 MPa", "hold": "1 min"},
                  {"add": ["foil"], "pressure": f"{pressure} MPa", "hold": f"{hold} s"}],
        "operation": {"stack_pressure": "5 MPa"}})


def working_foil_protocols():
    """Published anode steps that worked must not score a high (or medium) extrusion risk."""
    rows = L.working_foil_protocols()
    x, m = [], []
    for r in rows:
        o = simulate(foil_design(r["material"], r["thickness_um"], r["foil_mm"], r["die_mm"], r["pressure"]))
        x.append(r["pressure"])
        m.append(o.risk("metal extrusion", "foil").score)
    return Comparison("Published foil steps (Doux 2020 Li, Minnmann 2021 In)", "validation",
                      "metal extrusion score (must stay low, < 0.33)", np.array(x), "pressure (MPa)",
                      np.full(len(x), 0.33), np.array(m), "below", 0.0,
                      "working published protocols (pressure, foil size, die from protocols.csv; 1 min hold and the "
                      "default 15 um clearance assumed): the cells were built and cycled, so the foil did not extrude "
                      "badly. The old free-disc friction hill scored both 1.0", extra={"names": [r["name"] for r in rows]})


ALL = (miss_li55_under_load, miss_li55_released, miss_nmc622_under_load, miss_nmc622_released, sakuda_glass_density,
       doux_li6ps5cl_density, minnmann_composite_porosity, llzo_cold_pressing, miss_li55_conductivity,
       cronau_li55_conductivity, doux_li6ps5cl_conductivity, minnmann_li6ps5cl_conductivity,
       cronau_li6ps5cl_absolute, sakuda_glass_conductivity, koerver_cathode_arc,
       koerver_separator_resistance,
       doux_short_circuit, cronau_stack_ratio, contact_pressure_exponent, cronau_li6ps5cl_stack,
       asano_composite_conductivity, froboese_exponent, bielefeld_threshold, working_foil_protocols)


def order_ok(c: Comparison) -> bool:
    """Short-circuit ordering: score non-decreasing with decreasing time to short (uncensored points), every
    censored (no-short) point at or below every uncensored score, low at <= 5 MPa, high at 75 MPa."""
    cens = c.extra["censored"]
    t, s = c.data[~cens], c.model[~cens]
    o = np.argsort(-t)  # longest time first
    mono = bool(np.all(np.diff(s[o]) >= -1e-12)) and s[o][-1] > s[o][0]
    below = bool(np.all(c.model[cens][:, None] <= s[None, :] + 1e-12))
    low = bool(np.all(c.model[c.x <= 5.0] < 0.33))
    high = bool(np.all(c.model[c.x >= 75.0] > 0.66))
    return mono and below and low and high


def verdict(c: Comparison) -> bool:
    if c.error == "order":
        return order_ok(c)
    if c.error == "range":
        return bool(np.all((c.model >= c.extra["lo"] - c.tolerance) & (c.model <= c.extra["hi"] + c.tolerance)))
    if c.error == "covers":
        return bool(np.all((c.data >= c.extra["lo"] * (1 - c.tolerance)) & (c.data <= c.extra["hi"] * (1 + c.tolerance))))
    if c.name.startswith("LLZO"):
        return bool(np.all(c.model < c.extra["bound"]))
    if c.error == "below":
        return bool(np.all(c.model < c.data))
    return c.passed


def error_table(comparisons) -> str:
    lines = [f"{'dataset':<52} {'role':<11} {'n':>2} {'error':>6} {'max |err|':>10} {'tol':>6}  result",
             "-" * 100]
    for c in comparisons:
        ok = verdict(c)
        if c.error == "order":
            err, tol = "order", "-"
            mx = "-"
        elif c.error == "range":
            err, tol = "range", f"+{c.tolerance:.2f}"
            mx = f"{float(np.max(np.maximum(c.extra['lo'] - c.model, c.model - c.extra['hi']).clip(0))):.3f}"
        elif c.error == "covers":
            err, tol = "covers", f"{100 * c.tolerance:.0f} %"
            mx = f"{c.extra['lo'][0]:.3g}-{c.extra['hi'][0]:.3g}"
        elif c.name.startswith("LLZO"):
            err, tol, mx = "bound", "<0.70", f"{c.model.max():.3f}"
        elif c.error == "below":
            err, tol, mx = "bound", f"<{c.data.max():.2f}", f"{c.model.max():.3f}"
        else:
            err = c.error
            mx = f"{100 * c.max_error:.1f} %" if c.error == "rel" else f"{c.max_error:.3f}"
            tol = f"{100 * c.tolerance:.0f} %" if c.error == "rel" else f"{c.tolerance:.2f}"
        res = "pass" if ok else ("KNOWN FAIL" if c.expected_failure else "FAIL")
        lines.append(f"{c.name[:52]:<52} {c.role:<11} {len(c.x):>2} {err:>6} {mx:>10} {tol:>6}  {res}")
    lines.append("")
    lines.append("point by point (x: data -> model):")
    for c in comparisons:
        pts = ", ".join(f"{x:g}: {d:.3g} -> {m:.3g}" for x, d, m in zip(c.x, c.data, c.model))
        lines.append(f"  {c.name}: {pts}")
        if c.expected_failure:
            lines.append(f"    known disagreement: {c.expected_failure}")
    return "\n".join(lines)


def compute_all():
    return [f() for f in ALL]


if __name__ == "__main__":  # pragma: no cover
    print(error_table(compute_all()))
