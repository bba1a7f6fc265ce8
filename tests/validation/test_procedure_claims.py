"""The claims of the multi-step pressing procedure, as the model states them.

Each test names the claim, the designs compared and the Outcome quantities used. The designs are the
presets (pressbook.presets) or one-parameter variants of the three-step preset (NCM811 70 / Li6PS5Cl 30
cathode 12 mg, Li6PS5Cl separator 80 mg, 50 um Li, 10 mm die, 5 MPa stack). Risk levels: low < 0.33 <=
medium < 0.66 <= high (pressbook.models.mechanics). These are qualitative claims: the tests assert
orderings and risk levels, not tuned numbers.

(1) Three-step vs single-step co-pressing at the same maximum pressure (450 MPa). The three-step cell
    has less intermixing at both interfaces, a lower intermixing-short and lithium-creep-short risk, and
    no lithium extrusion (the foil is added last at 10 MPa; co-pressing puts 450 MPa on it).
    Where co-pressing is better: the cathode|separator contact fraction is higher (and that interface's
    ASR lower) when both powders are pressed together from loose. In the model, contact grows with the
    pressure each side yields under beyond the largest pressure it saw before (the differential-pressure
    rule): co-pressed, both loose powders yield from 0 to 450 MPa; in the three-step cell the separator was
    pre-compacted at 300 MPa, so its surface yields again only over 300-450 MPa. The same physics makes
    co-pressing intermix more: the loose SE lets cathode particles in over several diameters. Co-pressing
    also shows a lower delamination score here: both layers spring back from the same pressure history.
(2) An SE pressed below about 40 MPa (here 30 MPa) is flagged for under-pressing (medium or high); at
    300 MPa it is low.
(3) Lithium pressed at tens of MPa (30 and 50 MPa) is flagged for extrusion or creep (medium or high);
    at 5 MPa neither is more than low.
(4) A cathode bonded above the SE pre-compaction pressure (SE 300, cathode 450 MPa) bonds better (higher
    contact fraction, lower interface ASR) than one bonded below it (SE 450, cathode 300 MPa).
(5) 300 MPa or more on SE and cathode gives a higher ionic conductivity of both than 100 MPa.
(6) 1 GPa on SE and cathode flags SE cracking and cathode particle cracking (high).
"""
from __future__ import annotations

import pytest

from pressbook import presets
from pressbook.design import Step
from pressbook.simulate import simulate

MEDIUM_OR_HIGH = ("medium", "high")
CS = "cathode|separator"
SA = "separator|anode"


def variant(se=300.0, cathode=450.0, anode=10.0, stack=None):
    d = presets.three_step()
    d.steps = [Step(add=["separator"], pressure=se, hold=120.0), Step(add=["cathode"], pressure=cathode, hold=300.0),
               Step(add=["anode"], pressure=anode, hold=60.0)]
    if stack is not None:
        d.operation.stack_pressure = stack
    return simulate(d)


@pytest.fixture(scope="module")
def three():
    return simulate(presets.three_step())


@pytest.fixture(scope="module")
def co():
    return simulate(presets.co_press())


# ------------------------------------------------------------------ claim 1
def test_claim1_same_maximum_pressure():
    assert max(s.pressure for s in presets.three_step().steps) == max(s.pressure for s in presets.co_press().steps)


def test_claim1_three_step_intermixes_less(three, co):
    for name in (CS, SA):
        assert three.interface(name).intermixing_depth < co.interface(name).intermixing_depth, name


def test_claim1_three_step_lower_short_circuit_risk(three, co):
    for risk in ("intermixing short", "lithium creep short"):
        assert three.risk(risk).score < co.risk(risk).score, risk
    assert three.risk("intermixing short").level == "low"
    assert three.risk("lithium creep short").level == "low"


def test_claim1_no_lithium_extrusion_in_three_step(three, co):
    assert three.risk("metal extrusion", "anode").level == "low"
    assert co.risk("metal extrusion", "anode").level == "high"


def test_claim1_where_co_pressing_is_better(three, co):
    """Co-pressing two loose powders gives more cathode|separator contact and a lower contact ASR (both
    sides yield over the full 0-450 MPa; the pre-compacted SE yields only over 300-450 MPa)."""
    assert co.interface(CS).contact_fraction > three.interface(CS).contact_fraction
    assert co.interface(CS).asr < three.interface(CS).asr
    assert co.risk("delamination", CS).score <= three.risk("delamination", CS).score


# ------------------------------------------------------------------ claim 2
@pytest.mark.parametrize("pressure,expected", [(30.0, MEDIUM_OR_HIGH), (300.0, ("low",))])
def test_claim2_under_pressed_separator(pressure, expected):
    o = variant(se=pressure, cathode=max(pressure, 30.0), anode=5.0)
    assert o.risk("under-pressing", "separator").level in expected, o.risk("under-pressing", "separator").reason


def test_claim2_under_pressed_preset():
    o = simulate(presets.under_pressed())
    assert o.risk("under-pressing", "separator").level in MEDIUM_OR_HIGH
    assert o.risk("under-pressing", "cathode").level in MEDIUM_OR_HIGH


# ------------------------------------------------------------------ claim 3
@pytest.mark.parametrize("anode", [30.0, 50.0])
def test_claim3_lithium_at_tens_of_MPa_flagged(anode):
    o = variant(anode=anode)
    levels = {o.risk("metal extrusion", "anode").level, o.risk("lithium creep short", "anode").level}
    assert levels & set(MEDIUM_OR_HIGH), levels


def test_claim3_lithium_at_5_MPa_not_flagged():
    o = variant(anode=5.0)
    assert o.risk("metal extrusion", "anode").level == "low"
    assert o.risk("lithium creep short", "anode").level == "low"


# ------------------------------------------------------------------ claim 4
def test_claim4_bonding_above_precompaction_bonds_better():
    above = variant(se=300.0, cathode=450.0)
    below = variant(se=450.0, cathode=300.0)
    assert above.interface(CS).contact_fraction > below.interface(CS).contact_fraction
    assert above.interface(CS).asr < below.interface(CS).asr


def test_claim4_preset_reverse_differential(three):
    rev = simulate(presets.two_step_reverse())
    assert three.interface(CS).contact_fraction > rev.interface(CS).contact_fraction
    assert three.interface(CS).asr < rev.interface(CS).asr


# ------------------------------------------------------------------ claim 5
@pytest.mark.parametrize("high", [300.0, 450.0])
def test_claim5_higher_pressure_higher_conductivity(high):
    lo = variant(se=100.0, cathode=100.0, anode=5.0)
    hi = variant(se=high, cathode=high, anode=5.0)
    for layer in ("separator", "cathode"):
        assert hi.layer(layer).ionic_conductivity > lo.layer(layer).ionic_conductivity, layer


# ------------------------------------------------------------------ claim 6
def test_claim6_one_GPa_flags_cracking():
    o = variant(se=1000.0, cathode=1000.0, anode=5.0)
    assert o.risk("SE cracking", "separator").level == "high"
    assert o.risk("cathode particle cracking", "cathode").level == "high"
    ok = variant()
    assert ok.risk("SE cracking", "separator").level == "low"


def test_claim6_over_pressed_preset():
    o = simulate(presets.over_pressed())
    assert o.risk("SE cracking", "separator").level == "high"
    assert o.risk("cathode particle cracking", "cathode").level == "high"
