"""pressbook against published measurements (tests/validation/data, copied from ../shared/data/literature).

Two kinds of check, kept apart:

* calibration: the data fixed a library parameter (tools/fit_library.py reproduces each fit). The test
  checks the quality of the fit as the *whole model* reproduces it (die, mass, friction, hold), not only
  the fitted equation;
* validation: data no parameter was fitted to (out of sample).

Tolerances (each stated before looking at the result; the same numbers live in cases.py):

=====================================================  ============  =========  ==============================================
dataset                                                role          tolerance  why a materials scientist would accept it
=====================================================  ============  =========  ==============================================
Miss 2026 Li5.5PS4.5Cl1.5 density under load           calibration   +/-0.03 D  densities recomputed from printed thicknesses
                                                                                (~0.01) plus the misfit of a 2-parameter Heckel
                                                                                law over 10-400 MPa
Miss 2026 Li5.5PS4.5Cl1.5 density after release        validation    +/-0.03 D  predicted from the under-load fit + one
                                                                                springback number (300 MPa)
Miss 2026 NMC622 density under load                    calibration   +/-0.03 D  as above
Miss 2026 NMC622 density after release                 validation    +/-0.04 D  NMC springback is 0.7-8.6 % and pressure
                                                                                dependent; one modulus cannot follow it exactly
Sakuda 2013 Li3PS4 glass density (Fig. 2a)             calibration   +/-0.05 D  third-party eye-read figure (digitized trend)
Doux 2020 Li6PS5Cl density (4-pellet mean)             calibration   +/-0.03 D  the pellets span 0.803-0.849
Minnmann 2021 composite porosity at 380 MPa            validation    +/-0.05    porosity from thickness, author warns of up to
                                                                                10 % error; digitized-trend tolerance (a known
                                                                                failure until the issue-13 mixture law, and
                                                                                again since the issue-23 recalibration)
LLZO cold pressing                                     validation    D < 0.70   the oxide does not densify without sintering
Miss 2026 Li5.5PS4.5Cl1.5 conductivity under load      calibration   +/-30 %    digitized; inside the +/-50 % inter-laboratory
                                                                                spread of argyrodites (Ohno 2020)
Cronau 2021 Li5.5PS4.5Cl1.5 conductivity (389/97 MPa)  calibration   +/-30 %    the SI series is joint-fit data (issue 23)
Doux 2020 Li6PS5Cl conductivity (issue 23)            validation    covers     printed as 2-2.5 mS/cm; its stack pressure is
                                                                     +/-30 %    not stated: the model over 1-100 MPa must cover it
Minnmann 2021 Li6PS5Cl conductivity (issue 23)         validation    covers     1.6 mS/cm at ~40 MPa; forming not stated:
                                                                     +/-30 %    the model over 150-500 MPa must cover it
Cronau 2021 SI Li6PS5Cl at 50-300 MPa stack (23)       calibration   +/-30 %    the joint calibration's data, whole model
Sakuda 2013 Li3PS4 glass conductivity                  calibration   +/-30 %    two points, exact solve; friction near D_c
Koerver 2017 cathode|SE arc                            calibration   +/-5 %     the value interface_asr was backed out from
Koerver 2017 beta-Li3PS4 separator resistance          validation    +/-50 %    inter-laboratory spread (Ohno 2020)
Doux 2020 Li|Li6PS5Cl|Li time to short                 validation    ordering   score monotonic in time to short, low <= 5 MPa,
                                                                                high at 75 MPa (anchors from the same study:
                                                                                a consistency check)
Cronau 2021 Li6PS5Br low/high stack ratio (issue 12)   validation    range      between the two powders' ratios (uC 0.27,
                                                                                GC 0.76); their cells are fitted as absolute
                                                                                values by the issue-23 joint calibration
arXiv:2501.00600 R vs P exponent (issue 12)            validation    +/-0.15    other contact type (electrode|SE) of the same
                                                                                SE family
Cronau 2021 SI Li6PS5Cl sigma(49, 68 MPa)/plateau      calibration   range+0.05 digitized ranges over 4 fabrication pressures
  (issue 12; calibration data since issue 23)                                   (microcrystalline); the GC powder is shown only
Asano 2017 NMC111/Li3PS4 composite conductivity        calibration   +/-30 %    stated in the issue, not read from the paper;
                                                                                fixes the percolation exponent T_PERC
Bielefeld 2019 SE-cluster breakdown (~79 vol%)         calibration   +/-0.02    sets the size-ratio coefficient K_LAMBDA
Froboese 2019 inert-filler exponent (~2.9)             validation    +/-30 %    stated exponent, v_SE >= 0.6, size ratio 1 and 3
Published foil steps (Doux 2020 Li, Minnmann 2021 In)  validation    score<0.33 working protocols must not be flagged
=====================================================  ============  =========  ==============================================

One comparison is known to fail and is marked ``xfail(strict=True)`` with the reason (so it turns into an
error the day the model gets it right and the mark must go): the Koerver separator (beta-Li3PS4 is aliased
to the glass's parameters; the crystalline phase conducts about 3x less). The Minnmann composite porosity
was the second one until issue 13: the hard/soft mixture law (nothing fitted to composite data) now
reproduces it out of sample, so it moved to the validations. No tolerance was changed to make a
comparison pass. Issue 23 (joint calibration): the Miss 2026 "grain-contact ratio" comparison is gone (its three
ratios were derived with the v2 split of density law and contact, not measured; the Miss in-situ conductivities
they came from are fitted directly), Doux 2020's conductivity is now out of sample over its unstated stack
pressure, and the Cronau 2021 SI series are calibration data. The Minnmann composite porosity is a known failure
again: the joint fit's Li6PS5Cl yield pressure (326 vs v2's 431.7 MPa) makes the mid-range composites 0.04-0.06
too dense; its tolerance was not widened.

Running with ``pytest -s`` prints the error table; it is also written to test-artifacts/validation_table.txt.
"""
from __future__ import annotations

import numpy as np
import pytest

from . import cases
from .conftest import ARTIFACTS


CALIBRATION = ["Miss 2026 Li5.5PS4.5Cl1.5 density under load", "Miss 2026 NMC622 density under load",
               "Sakuda 2013 Li3PS4 glass density", "Doux 2020 Li6PS5Cl density",
               "Miss 2026 Li5.5PS4.5Cl1.5 conductivity under load",
               "Cronau 2021 SI Li6PS5Cl conductivity at 50-300 MPa stack", "Cronau 2021 Li5.5PS4.5Cl1.5 conductivity",
               "Sakuda 2013 Li3PS4 glass conductivity", "Koerver 2017 cathode|SE charge-transfer arc",
               "Asano 2017 NMC111/Li3PS4 composite conductivity", "Bielefeld 2019 SE-cluster breakdown"]
VALIDATION = ["Miss 2026 Li5.5PS4.5Cl1.5 density after release", "Miss 2026 NMC622 density after release",
              "arXiv:2501.00600 contact resistance pressure exponent",
              "Froboese 2019 inert-filler exponent (v_SE 0.6-0.9)"]
RANGE_CALIBRATION = ["Cronau 2021 SI Li6PS5Cl stack-pressure ratio"]
RANGE_VALIDATION = ["Cronau 2021 Li6PS5Br low- vs high-stack conductivity"]
COVERS_VALIDATION = ["Doux 2020 Li6PS5Cl conductivity", "Minnmann 2021 Li6PS5Cl conductivity"]
KNOWN_FAILURES = ["Koerver 2017 NCM811 | beta-Li3PS4 | In cell", "Minnmann 2021 NCM622:Li6PS5Cl composite porosity"]
FOILS = "Published foil steps (Doux 2020 Li, Minnmann 2021 In)"


def _explain(c: cases.Comparison) -> str:
    pts = ", ".join(f"{x:g}: data {d:.4g} model {m:.4g}" for x, d, m in zip(c.x, c.data, c.model))
    return f"{c.name}: max |error| {c.max_error:.3g} > tolerance {c.tolerance:g} ({c.error}); {pts}"


def test_error_table(comparisons):
    """Print the error table (pytest -s) and save it to test-artifacts/validation_table.txt."""
    text = cases.error_table(comparisons.values())
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "validation_table.txt").write_text(text + "\n", encoding="utf-8")
    print("\n" + text)
    assert set(CALIBRATION + VALIDATION + KNOWN_FAILURES + RANGE_CALIBRATION + RANGE_VALIDATION + COVERS_VALIDATION +
               [FOILS]) <= \
        set(comparisons)


@pytest.mark.parametrize("name", CALIBRATION)
def test_calibration_fit_quality(comparisons, name):
    """The data a parameter was fitted to are reproduced by the whole model within the stated tolerance."""
    c = comparisons[name]
    assert c.role == "calibration" and c.fitted
    assert c.passed, _explain(c)


@pytest.mark.parametrize("name", VALIDATION)
def test_out_of_sample(comparisons, name):
    c = comparisons[name]
    assert c.role == "validation"
    assert c.passed, _explain(c)


@pytest.mark.parametrize("name", KNOWN_FAILURES)
def test_known_disagreements(comparisons, name):
    """Out-of-sample data the model does not reproduce; the reason is in the comparison (and the report)."""
    c = comparisons[name]
    assert c.expected_failure
    if not c.passed:
        pytest.xfail(c.expected_failure)
    pytest.fail(f"{name} now agrees with the data ({_explain(c)}): remove it from KNOWN_FAILURES")


def test_minnmann_composites_trend_and_average(comparisons):
    """What the model does get right about the Minnmann composites: porosity rises with the active-material
    fraction from the leanest composite (7.6 %) to the richer ones (13-17 %), and every composite is porous
    (> 5 %) after cold pressing at 380 MPa; the mean over the five compositions is within 0.05 of the
    author's stated average porosity of 14 % (the per-composition level of the leanest composite is the
    known disagreement above)."""
    c = comparisons["Minnmann 2021 NCM622:Li6PS5Cl composite porosity"]
    assert c.model[-1] > c.model[0] and c.data[-1] > c.data[0]
    assert np.all(c.model > 0.05)
    assert abs(float(np.mean(c.model)) - c.extra["average"]) < 0.05, (np.mean(c.model), c.extra["average"])


def test_lean_composite_denser_than_its_se(comparisons):
    """Minnmann 2021 measured the leanest composite (25 vol% NCM622) at 7.6 % porosity after 380 MPa, denser than
    pure Li6PS5Cl pellets; the model's lean composite is less porous than its SE pressed alone the same way,
    and the richest ones are more porous (the hard skeleton)."""
    c = comparisons["Minnmann 2021 NCM622:Li6PS5Cl composite porosity"]
    assert c.model[0] < c.extra["pure_se_porosity"] < c.model[-1], (c.model, c.extra["pure_se_porosity"])


def test_published_foil_steps_not_flagged(comparisons):
    """Doux 2020 (500 um Li, 12.7 mm disc, 25 MPa, 13 mm die) and Minnmann 2021 (100 um In, 9 mm, ~40 MPa,
    10 mm die) built working cells: their metal-extrusion score stays low."""
    c = comparisons[FOILS]
    assert cases.verdict(c), dict(zip(c.extra["names"], c.model.round(3).tolist()))


def test_asano_well_below_bruggeman(comparisons):
    """The measured composites conduct several times less than Bruggeman (v_SE^1.5) predicts (2.8-4x), and so does
    the model (at least 2x at every point, more at higher active fractions)."""
    c = comparisons["Asano 2017 NMC111/Li3PS4 composite conductivity"]
    assert np.all(c.extra["bruggeman"] / c.data > 2.0) and np.all(c.extra["bruggeman"] / c.model > 2.0)
    assert np.all(np.diff(c.extra["bruggeman"] / c.model) > 0)


def test_llzo_does_not_densify_by_cold_pressing(comparisons):
    """LLZO (hardness ~11 GPa) stays a porous green compact: relative density < 0.70 up to 500 MPa, and
    pressing from 100 to 500 MPa gains less than 0.02."""
    c = comparisons["LLZO cold pressing (no densification)"]
    assert np.all(c.model < c.extra["bound"]), c.model
    assert c.model[-1] - c.model[0] < 0.02


def test_lithium_short_circuit_ordering(comparisons):
    """Doux 2020 Li|Li6PS5Cl|Li: the model's 'lithium creep short' score rises as the measured time to short
    falls (10 -> 75 MPa), stays low (< 0.33) at 2 and 5 MPa (no short in 165 h / 1000 h) and is high
    (> 0.66) at 75 MPa (short on pressing). Censored runs (no short) must score no higher than any run
    that shorted."""
    c = comparisons["Doux 2020 Li|Li6PS5Cl|Li time to short"]
    assert cases.order_ok(c), dict(zip(c.x.tolist(), np.round(c.model, 3).tolist()))


def test_library_reproduces_fits():
    """Every fitted parameter in materials.toml equals its reproducible fit within 2 % (tools/fit_library.py)."""
    fl = cases.fit_library()
    bad = [(f.material, f.parameter, f.value, f.library_value()) for f in fl.fits() if f.library and
           f.mismatch() > fl.TOLERANCE]
    assert not bad, bad


def test_cronau_stack_ratio_between_the_two_powders(comparisons):
    """Issue 12: the model's low/high-stack ratio lies between the two measured powders (GC 0.76, uC 0.27):
    a cold-pressed argyrodite measured at ~10 MPa conducts markedly less than under high stack pressure."""
    c = comparisons["Cronau 2021 Li6PS5Br low- vs high-stack conductivity"]
    assert c.extra["uC"] < c.model[0] < c.extra["GC"], (c.model, c.extra)


@pytest.mark.parametrize("name", RANGE_CALIBRATION)
def test_calibration_ranges(comparisons, name):
    """Issue 12: the model's ratio of conductivity at a moderate stack pressure to the high-stack plateau falls in
    the measured range (microcrystalline Li6PS5Cl, Cronau 2021 SI) for every fabrication pressure (calibration data
    of the joint fit since issue 23)."""
    c = comparisons[name]
    assert c.role == "calibration" and cases.verdict(c), list(zip(c.x, c.extra["lo"], c.model.round(3), c.extra["hi"]))


@pytest.mark.parametrize("name", RANGE_VALIDATION)
def test_out_of_sample_ranges(comparisons, name):
    c = comparisons[name]
    assert c.role == "validation" and cases.verdict(c), (c.model, c.extra["lo"], c.extra["hi"])


@pytest.mark.parametrize("name", COVERS_VALIDATION)
def test_out_of_sample_over_unstated_conditions(comparisons, name):
    """Issue 23: a measurement whose source leaves a condition unstated is covered by the model over that
    condition's range (widened by the stated tolerance), never compared at one assumed value."""
    c = comparisons[name]
    assert c.role == "validation" and cases.verdict(c), (c.data, c.extra["lo"], c.extra["hi"])
