"""The design format (TOML and JSON, the public contract): reading, writing, lossless round trips."""
import json
from pathlib import Path

import pytest

from pressbook import Design, Die, Layer, Operation, Step, presets
from pressbook.errors import DesignFileError, InvalidInputError, PressbookError
from pressbook.units import Q_

# The example of issue 2, verbatim: the public contract.
ISSUE_EXAMPLE = (Path(__file__).resolve().parent / "issue2_example.toml").read_text(encoding="utf-8")

ALL_PRESETS = sorted(presets.PRESETS)


def test_issue_example_reads_into_default_units():
    d = Design.from_toml(ISSUE_EXAMPLE)
    assert d.title == "NCM811 | Li6PS5Cl | Li, three-step"
    assert d.die == Die(diameter=10.0)
    assert [l.name for l in d.layers] == ["cathode", "separator", "anode"]
    assert d.layers[0].composition == {"NCM811": 0.70, "Li6PS5Cl": 0.30}
    assert d.layers[0].mass == 12.0 and d.layers[0].thickness is None
    assert d.layers[2].thickness == 50.0 and d.layers[2].mass is None
    assert [(s.add, s.pressure, s.hold, s.temperature) for s in d.steps] == [
        (["separator"], 300.0, 120.0, 25.0), (["cathode"], 450.0, 300.0, 25.0), (["anode"], 10.0, 60.0, 25.0)]
    assert d.operation == Operation(stack_pressure=5.0, temperature=25.0)


def test_issue_example_is_the_three_step_preset():
    assert Design.from_toml(ISSUE_EXAMPLE) == presets.three_step()


@pytest.mark.parametrize("name", ALL_PRESETS + ["issue-example"])
def test_toml_and_json_round_trips_are_lossless(name):
    d = Design.from_toml(ISSUE_EXAMPLE) if name == "issue-example" else presets.preset(name)
    assert Design.from_toml(d.to_toml()) == d
    assert Design.from_json(d.to_json()) == d
    # the two formats carry the same structure
    assert json.loads(d.to_json()) == d.to_dict()
    # and a second trip changes nothing (the written text is stable)
    assert Design.from_toml(d.to_toml()).to_toml() == d.to_toml()
    assert Design.from_json(d.to_json()).to_json() == d.to_json()


def test_round_trip_keeps_awkward_floats_exactly():
    d = presets.three_step()
    d.steps[0].pressure = 300.123456789012345
    d.steps[0].hold = 0.1 + 0.2
    d.steps[1].temperature = 26.850000000000023  # "300 K"
    d.layers[1].mass = 1 / 3
    d.die.diameter = 12.7
    d.die.rated_pressure = 6 * 9806.65 / 78.53981633974483  # 6 tf on 10 mm
    d.die.pressing = "double"
    d.operation.stack_pressure = 0.0
    for back in (Design.from_toml(d.to_toml()), Design.from_json(d.to_json())):
        assert back == d


def test_written_quantities_are_strings_with_units():
    data = presets.three_step().to_dict()
    assert data["die"]["diameter"] == "10 mm"
    assert data["steps"][0] == {"add": ["separator"], "pressure": "300 MPa", "hold": "120 s"}
    assert data["layers"][2]["thickness"] == "50 um"
    assert data["operation"] == {"stack_pressure": "5 MPa", "temperature": "25 degC"}


def test_units_in_any_pint_form_in_a_file():
    text = ISSUE_EXAMPLE.replace('"300 MPa"', '"0.3 GPa"').replace('"2 min"', '"120 s"') \
        .replace('"450 MPa"', '"4500 bar"').replace('"5 min"', '"0.08333333333333333 h"') \
        .replace('diameter = "10 mm"', 'diameter = "1 cm"').replace('"80 mg"', '"0.08 g"') \
        .replace('"50 um"', '"0.05 mm"').replace('temperature = "25 degC"', 'temperature = "298.15 K"')
    d = Design.from_toml(text)
    ref = Design.from_toml(ISSUE_EXAMPLE)
    assert d.steps[0].pressure == pytest.approx(300.0)
    assert d.steps[1].pressure == pytest.approx(450.0)
    assert d.steps[1].hold == pytest.approx(300.0)
    assert d.die.diameter == pytest.approx(10.0)
    assert d.layers[1].mass == pytest.approx(80.0)
    assert d.layers[2].thickness == pytest.approx(50.0)
    assert d.operation.temperature == pytest.approx(25.0)
    assert [l.name for l in d.layers] == [l.name for l in ref.layers]


def test_plain_numbers_in_a_file_are_default_units():
    text = ISSUE_EXAMPLE.replace('"300 MPa"', "300").replace('"2 min"', "120").replace('"80 mg"', "80.0")
    d = Design.from_toml(text)
    assert (d.steps[0].pressure, d.steps[0].hold, d.layers[1].mass) == (300.0, 120.0, 80.0)


def test_warm_pressing_temperature_round_trips():
    text = ISSUE_EXAMPLE.replace('hold = "5 min"', 'hold = "5 min"\ntemperature = "150 degC"')
    d = Design.from_toml(text)
    assert d.steps[1].temperature == 150.0
    assert 'temperature = "150 degC"' in d.to_toml()
    assert Design.from_toml(d.to_toml()) == d


def test_a_tonne_force_is_refused_as_a_pressure_with_a_clear_message():
    with pytest.raises(InvalidInputError) as exc:
        Design.from_toml(ISSUE_EXAMPLE.replace('"450 MPa"', '"3 tf"'))
    msg = str(exc.value)
    assert msg.startswith("steps.2.pressure: got '3 tf'")
    assert "allowed: a pressure" in msg and "not a force" in msg and "die area" in msg


def test_api_accepts_quantities_and_strings_and_stores_default_units():
    s = Step(add="separator", pressure=Q_(0.3, "GPa"), hold="2 min", temperature=Q_(423.15, "K"))
    assert (s.add, s.pressure, s.hold, s.temperature) == (["separator"], pytest.approx(300.0), 120.0,
                                                          pytest.approx(150.0))
    assert Die(diameter="13 mm", rated_pressure="1 GPa").rated_pressure == pytest.approx(1000.0)
    assert Layer(name="x", material="Li", thickness="0.1 mm").thickness == pytest.approx(100.0)
    assert Operation(stack_pressure="50 bar").stack_pressure == pytest.approx(5.0)
    with pytest.raises(InvalidInputError, match="step.pressure.*not a length"):
        Step(add=["x"], pressure="300 mm")


def test_save_and_load_files(tmp_path):
    d = presets.minnmann2021()
    for name in ("design.toml", "design.json"):
        path = tmp_path / name
        d.save(path)
        assert Design.load(path) == d
    assert json.loads((tmp_path / "design.json").read_text()) == d.to_dict()


def test_load_missing_file_is_a_design_file_error(tmp_path):
    with pytest.raises(DesignFileError, match="cannot read"):
        Design.load(tmp_path / "nope.toml")
    with pytest.raises(DesignFileError, match="is a directory; allowed: a regular file"):
        Design.load(tmp_path)


def test_copy_is_independent():
    d = presets.three_step()
    c = d.copy()
    c.steps[0].pressure = 1.0
    c.layers[0].composition["NCM811"] = 0.5
    assert d.steps[0].pressure == 300.0 and d.layers[0].composition["NCM811"] == 0.7


def test_layer_lookup_and_validate_returns_self():
    d = presets.three_step()
    assert d.layer("anode").material == "Li"
    assert d.validate() is d
    with pytest.raises(InvalidInputError, match="layer: got 'nope'; allowed: one of cathode, separator, anode"):
        d.layer("nope")


def test_unknown_keys_are_refused_at_every_level():
    with pytest.raises(InvalidInputError, match="design: got 'colour'; allowed: the keys"):
        Design.from_toml('colour = "red"\n' + ISSUE_EXAMPLE)
    # a misspelt key must not be silently ignored (this one would lose the warm pressing)
    with pytest.raises(InvalidInputError, match=r"steps.2.temprature: got 'temprature'; allowed: the keys add, "
                                                r"pressure, hold, temperature"):
        Design.from_toml(ISSUE_EXAMPLE.replace('hold = "5 min"', 'hold = "5 min"\ntemprature = "150 degC"'))
    with pytest.raises(InvalidInputError, match="operation.colour"):
        Design.from_toml(ISSUE_EXAMPLE + '\ncolour = "red"\n')
    with pytest.raises(InvalidInputError, match="die.diametre"):
        Design.from_toml(ISSUE_EXAMPLE.replace('diameter = "10 mm"', 'diametre = "10 mm"'))
    with pytest.raises(InvalidInputError, match="layers.2.materal"):
        Design.from_toml(ISSUE_EXAMPLE.replace('material = "Li6PS5Cl"', 'materal = "Li6PS5Cl"'))


def test_from_dict_without_validation_reads_but_does_not_check():
    data = presets.three_step().to_dict()
    data["steps"][0]["pressure"] = "-5 MPa"
    d = Design.from_dict(data, validate=False)
    assert d.steps[0].pressure == -5.0
    with pytest.raises(PressbookError):
        d.validate()


def test_json_with_the_same_structure_as_toml():
    text = json.dumps(Design.from_toml(ISSUE_EXAMPLE).to_dict())
    assert Design.from_json(text) == Design.from_toml(ISSUE_EXAMPLE)
    assert Design.from_json(text.encode("utf-8")) == Design.from_toml(ISSUE_EXAMPLE)
