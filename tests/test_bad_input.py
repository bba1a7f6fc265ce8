"""Issue 2's "Bad input" list: each case raises the right PressbookError subclass whose message names the
field, the value and what is allowed -- through the API (dict, TOML, JSON) and through the CLI."""
import copy
import json
from pathlib import Path

import pytest
import tomli_w

try:  # Python >= 3.11
    import tomllib
except ModuleNotFoundError:  # pragma: no cover - Python 3.10
    import tomli as tomllib

from pressbook import Design, Step, presets, simulate
from pressbook.cli import main
from pressbook.errors import (DesignFileError, InvalidInputError, PressbookError, ProtocolError,
                              UnknownMaterialError)

ISSUE_EXAMPLE = (Path(__file__).resolve().parent / "issue2_example.toml").read_text(encoding="utf-8")

BASE = tomllib.loads(ISSUE_EXAMPLE)


def mutate(**changes):
    """A copy of the issue example with changes: 'steps' / 'layers' / 'die' / 'operation' callables."""
    def make():
        d = copy.deepcopy(BASE)
        for key, fn in changes.items():
            fn(d)
        return d
    return make


def set_step(i, key, value):
    return lambda d: d["steps"][i].__setitem__(key, value)


def set_layer(i, key, value):
    return lambda d: d["layers"][i].__setitem__(key, value)


def steps(*adds):
    return lambda d: d.__setitem__("steps", [{"add": list(a), "pressure": "300 MPa"} for a in adds])


# (id, data factory, error class, parts the message must contain: field, value, allowed)
CASES = [
    ("negative pressure", mutate(a=set_step(0, "pressure", "-300 MPa")), InvalidInputError,
     ["steps.1.pressure: ", "got '-300 MPa'", "allowed: 0.01 to 3000 MPa"]),
    ("negative pressure number", mutate(a=set_step(0, "pressure", -300)), InvalidInputError,
     ["steps.1.pressure: ", "got '-300 MPa'", "allowed: 0.01 to 3000 MPa"]),
    ("zero pressure", mutate(a=set_step(1, "pressure", "0 MPa")), InvalidInputError,
     ["steps.2.pressure: ", "got '0 MPa'", "allowed: 0.01 to 3000 MPa"]),
    ("NaN pressure", mutate(a=set_step(0, "pressure", "nan MPa")), InvalidInputError,
     ["steps.1.pressure: ", "got 'nan MPa'", "allowed: 0.01 to 3000 MPa"]),
    ("NaN pressure number", mutate(a=set_step(0, "pressure", float("nan"))), InvalidInputError,
     ["steps.1.pressure: ", "got 'nan MPa'", "allowed: 0.01 to 3000 MPa"]),
    ("infinite pressure", mutate(a=set_step(0, "pressure", "1e999 MPa")), InvalidInputError,
     ["steps.1.pressure: ", "got 'inf MPa'", "allowed: 0.01 to 3000 MPa"]),
    ("absurd pressure", mutate(a=set_step(2, "pressure", "50 GPa")), InvalidInputError,
     ["steps.3.pressure: ", "got '50000 MPa'", "allowed: 0.01 to 3000 MPa"]),
    ("above the die's rated pressure",
     mutate(a=lambda d: d["die"].__setitem__("rated_pressure", "400 MPa")), InvalidInputError,
     ["steps.2.pressure: ", "got '450 MPa'", "allowed: at most the die's rated pressure 400 MPa"]),
    ("length as a pressure", mutate(a=set_step(0, "pressure", "300 mm")), InvalidInputError,
     ["steps.1.pressure: ", "got '300 mm'", "allowed: a pressure such as '300 MPa'", "not a length"]),
    ("force as a pressure", mutate(a=set_step(0, "pressure", "3 tf")), InvalidInputError,
     ["steps.1.pressure: ", "got '3 tf'", "allowed: a pressure", "not a force", "die area"]),
    ("time as a pressure", mutate(a=set_step(0, "pressure", "2 min")), InvalidInputError,
     ["steps.1.pressure: ", "got '2 min'", "allowed: a pressure", "not a time"]),
    ("pressure as a hold", mutate(a=set_step(0, "hold", "300 MPa")), InvalidInputError,
     ["steps.1.hold: ", "got '300 MPa'", "allowed: a time", "not a pressure"]),
    ("pressure as a diameter", mutate(a=lambda d: d["die"].__setitem__("diameter", "10 MPa")), InvalidInputError,
     ["die.diameter: ", "got '10 MPa'", "allowed: a length", "not a pressure"]),
    ("unreadable quantity", mutate(a=set_step(0, "pressure", "three hundred MPa")), InvalidInputError,
     ["steps.1.pressure: ", "got 'three hundred MPa'", "allowed: a pressure such as '300 MPa'"]),
    ("unknown material", mutate(a=set_layer(1, "material", "Unobtainium")), UnknownMaterialError,
     ["layers.2 (separator).material: ", "got 'Unobtainium'", "allowed: a library material (", "Li6PS5Cl"]),
    ("unknown material in a composition",
     mutate(a=set_layer(0, "composition", {"NCM811": 0.7, "LPSX": 0.3})), UnknownMaterialError,
     ["layers.1 (cathode).composition: ", "got 'LPSX'", "allowed: a library material ("]),
    ("composition not summing to 1",
     mutate(a=set_layer(0, "composition", {"NCM811": 0.7, "Li6PS5Cl": 0.2})), InvalidInputError,
     ["layers.1 (cathode).composition: ", "got 'fractions summing to 0.9'", "allowed: mass fractions summing to 1"]),
    ("composition above 1",
     mutate(a=set_layer(0, "composition", {"NCM811": 0.8, "Li6PS5Cl": 0.3})), InvalidInputError,
     ["layers.1 (cathode).composition: ", "got 'fractions summing to 1.1'", "allowed: mass fractions summing to 1"]),
    ("negative fraction",
     mutate(a=set_layer(0, "composition", {"NCM811": 0.7, "Li6PS5Cl": -0.2})), InvalidInputError,
     ["layers.1.composition.Li6PS5Cl: ", "got -0.2", "allowed: a mass fraction above 0 and at most 1"]),
    ("same material twice in a composition",
     mutate(a=set_layer(0, "composition", {"NCM811": 0.35, "nmc811": 0.35, "Li6PS5Cl": 0.3})), InvalidInputError,
     ["layers.1 (cathode).composition: ", "got 'NCM811 and nmc811'", "allowed: each material once"]),
    ("foil in a composition",
     mutate(a=set_layer(0, "composition", {"Li": 0.5, "Li6PS5Cl": 0.5})), InvalidInputError,
     ["layers.1 (cathode).composition.Li: ", "got 'Li'", "allowed: powder materials"]),
    ("empty protocol", mutate(a=lambda d: d.__setitem__("steps", [])), ProtocolError,
     ["steps: ", "got []", "allowed: at least one pressing step"]),
    ("empty protocol (no steps key)", mutate(a=lambda d: d.pop("steps")), ProtocolError,
     ["steps: ", "got []", "allowed: at least one pressing step"]),
    ("first step adds nothing", mutate(a=lambda d: d["steps"].insert(0, {"add": [], "pressure": "10 MPa"})),
     ProtocolError, ["steps.1.add: ", "got []", "allowed: at least one layer"]),
    ("layer added twice", mutate(a=steps(["separator"], ["cathode"], ["separator", "anode"])), ProtocolError,
     ["steps.3.add: ", "got 'separator'", "allowed: layers not yet in the die"]),
    ("layer added twice in one step", mutate(a=steps(["separator", "separator"], ["cathode"], ["anode"])),
     ProtocolError, ["steps.1.add: ", "got ['separator', 'separator']", "allowed: each layer once"]),
    ("layer never added", mutate(a=steps(["separator"], ["cathode"])), ProtocolError,
     ["steps: ", "got 'no step adding anode'", "allowed: every layer added by some step"]),
    ("layer added with a gap", mutate(a=steps(["cathode"], ["anode"], ["separator"])), ProtocolError,
     ["steps.2.add: ", "got ['anode']", "allowed: layers next to those already in the die",
      "cathode | separator | anode"]),
    ("layers added with a gap in one step", mutate(a=steps(["cathode", "anode"], ["separator"])), ProtocolError,
     ["steps.1.add: ", "got ['cathode', 'anode']", "allowed: layers next to those already in the die"]),
    ("unknown layer in a step", mutate(a=steps(["separator"], ["cathode"], ["lithium"])), ProtocolError,
     ["steps.3.add: ", "got 'lithium'", "allowed: names of layers: cathode, separator, anode"]),
    ("anode pressed before any electrolyte", mutate(a=steps(["anode"], ["separator"], ["cathode"])), ProtocolError,
     ["steps.1.add: ", "got ['anode']", "allowed: an anode pressed only once an electrolyte"]),
    ("no layers", mutate(a=lambda d: d.__setitem__("layers", [])), ProtocolError,
     ["layers: ", "got []", "allowed: at least one layer"]),
    ("two layers with one name", mutate(a=set_layer(2, "name", "separator")), InvalidInputError,
     ["layers.2 (separator).name: ", "got 'separator'", "allowed: a name used by one layer only"]),
    ("unknown role", mutate(a=set_layer(1, "role", "electrolyte")), InvalidInputError,
     ["layers.2 (separator).role: ", "got 'electrolyte'", "allowed: cathode, separator, anode, interlayer"]),
    ("material and composition", mutate(a=set_layer(0, "material", "NCM811")), InvalidInputError,
     ["layers.1 (cathode).material: ", "got 'NCM811'", "allowed: exactly one of material or composition"]),
    ("mass and thickness", mutate(a=set_layer(1, "thickness", "500 um")), InvalidInputError,
     ["layers.2 (separator).mass: ", "got 80.0", "allowed: exactly one of mass or thickness"]),
    ("negative mass", mutate(a=set_layer(1, "mass", "-80 mg")), InvalidInputError,
     ["layers.2 (separator).mass: ", "got '-80 mg'", "allowed: 0.01 to 10000 mg"]),
    ("absurd thickness", mutate(a=set_layer(2, "thickness", "1 m")), InvalidInputError,
     ["layers.3 (anode).thickness: ", "got '1000000 um'", "allowed: 0.1 to 20000 um"]),
    ("negative hold", mutate(a=set_step(0, "hold", "-1 min")), InvalidInputError,
     ["steps.1.hold: ", "got '-60 s'", "allowed: 0 to 86400 s"]),
    ("absurd temperature", mutate(a=set_step(1, "temperature", "2000 K")), InvalidInputError,
     ["steps.2.temperature: ", "got '1726.85 degC'", "allowed: -40 to 500 degC"]),
    ("zero die diameter", mutate(a=lambda d: d["die"].__setitem__("diameter", "0 mm")), InvalidInputError,
     ["die.diameter: ", "got '0 mm'", "allowed: 1 to 100 mm"]),
    ("unknown pressing mode", mutate(a=lambda d: d["die"].__setitem__("pressing", "triple")), InvalidInputError,
     ["die.pressing: ", "got 'triple'", "allowed: single or double"]),
    ("negative stack pressure", mutate(a=lambda d: d["operation"].__setitem__("stack_pressure", "-5 MPa")),
     InvalidInputError, ["operation.stack_pressure: ", "got '-5 MPa'", "allowed: 0 to 1000 MPa"]),
    ("misspelt key", mutate(a=lambda d: d["steps"][1].__setitem__("temprature", "150 degC")), InvalidInputError,
     ["steps.2.temprature: ", "got 'temprature'", "allowed: the keys add, pressure, hold, temperature"]),
    ("layers not a list", mutate(a=lambda d: d.__setitem__("layers", {"name": "x"})), InvalidInputError,
     ["layers: ", "got 'dict'", "allowed: a list"]),
]
IDS = [c[0] for c in CASES]


def check_message(msg, parts):
    for p in parts:
        assert p in msg, f"{p!r} not in {msg!r}"
    assert "allowed: " in msg


@pytest.mark.parametrize("label, make, cls, parts", CASES, ids=IDS)
def test_api_from_dict(label, make, cls, parts):
    with pytest.raises(cls) as exc:
        Design.from_dict(make())
    check_message(str(exc.value), parts)
    assert isinstance(exc.value, PressbookError) and isinstance(exc.value, ValueError)
    assert exc.value.field and parts[0].startswith(exc.value.field)


def _nan_safe_toml(data):
    try:
        return tomli_w.dumps(data)
    except (TypeError, ValueError):  # pragma: no cover - tomli_w writes nan
        pytest.skip("not representable in TOML")


@pytest.mark.parametrize("label, make, cls, parts", CASES, ids=IDS)
def test_api_from_toml_and_json(label, make, cls, parts):
    data = make()
    with pytest.raises(cls) as exc:
        Design.from_toml(_nan_safe_toml(data))
    check_message(str(exc.value), parts)
    with pytest.raises(cls) as exc:
        Design.from_json(json.dumps(data))
    check_message(str(exc.value), parts)


@pytest.mark.parametrize("label, make, cls, parts", CASES, ids=IDS)
def test_cli(label, make, cls, parts, tmp_path, capsys):
    path = tmp_path / "design.toml"
    path.write_text(_nan_safe_toml(make()), encoding="utf-8")
    for args in (["simulate", str(path)], ["simulate", str(path), "--json"]):
        code = main(args)
        out, err = capsys.readouterr()
        assert code != 0 and out == ""
        lines = err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("pressbook: error: ")
        check_message(lines[0], parts)


def test_api_objects_are_validated_by_simulate():
    """Designs built in Python (not from a file) meet the same checks when simulated."""
    d = presets.three_step()
    d.steps[0] = Step(add=["separator"], pressure=float("nan"))
    with pytest.raises(InvalidInputError, match=r"steps.1.pressure: got 'nan MPa'; allowed: 0.01 to 3000 MPa"):
        simulate(d)
    d = presets.three_step()
    d.steps[1].pressure = True
    with pytest.raises(InvalidInputError, match="steps.2.pressure: got True"):
        simulate(d)
    d = presets.three_step()
    d.layers[0].composition = {"NCM811": "0.7", "Li6PS5Cl": 0.3}
    with pytest.raises(InvalidInputError, match="layers.1 .cathode..composition.NCM811: got '0.7'"):
        simulate(d)
    d = presets.three_step()
    d.steps[0].add = None
    with pytest.raises(ProtocolError, match="steps.1.add: got 'NoneType'; allowed: a list of layer names"):
        simulate(d)
    d = presets.three_step()
    d.layers[1].name = 7
    with pytest.raises(InvalidInputError, match="layers.2.name: got 7"):
        simulate(d)
    d = presets.three_step()
    d.die.rated_pressure = 400.0
    with pytest.raises(InvalidInputError, match="steps.2.pressure: got '450 MPa'; allowed: at most the die's rated"):
        simulate(d)


@pytest.mark.parametrize("text, parts", [
    ("title = \n", ["design file", "not valid TOML"]),
    ("[die\n", ["design file", "not valid TOML"]),
    ('[[layers]]\nname = "a"\n[[layers]\n', ["design file", "not valid TOML"]),
    ('title = "a"\ntitle = "b"\n', ["design file", "not valid TOML"]),
    ("x = [" * 5000, ["design file"]),
])
def test_unreadable_toml(text, parts, tmp_path, capsys):
    with pytest.raises(DesignFileError) as exc:
        Design.from_toml(text)
    check_message(str(exc.value), parts)
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    assert main(["simulate", str(path)]) != 0
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("pressbook: error: design file")


@pytest.mark.parametrize("raw, parts", [
    (b"\xff\xfe\xfa garbage", ["design file", "not UTF-8"]),
    (b"\x00" * 100, ["design file"]),
    (b"x" * 1_000_001, ["design file", "at most 1000000"]),
])
def test_unreadable_bytes(raw, parts, tmp_path, capsys):
    with pytest.raises(DesignFileError) as exc:
        Design.from_toml(raw)
    for p in parts:
        assert p in str(exc.value)
    path = tmp_path / "bad.toml"
    path.write_bytes(raw)
    assert main(["simulate", str(path)]) != 0
    assert capsys.readouterr().err.startswith("pressbook: error: design file")


@pytest.mark.parametrize("text", ["[1, 2", "{", "[]", "null", '"a string"', "{" * 100000 + "}" * 100000])
def test_unreadable_json(text, tmp_path, capsys):
    with pytest.raises(PressbookError) as exc:
        Design.from_json(text)
    assert "allowed: " in str(exc.value)
    path = tmp_path / "bad.json"
    path.write_text(text, encoding="utf-8")
    assert main(["simulate", str(path)]) != 0
    assert capsys.readouterr().err.startswith("pressbook: error: ")


def test_error_value_with_a_newline_stays_on_one_line(tmp_path, capsys):
    data = copy.deepcopy(BASE)
    data["die"]["pressing"] = "single\ndouble"
    path = tmp_path / "d.toml"
    path.write_text(tomli_w.dumps(data), encoding="utf-8")
    assert main(["simulate", str(path)]) != 0
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "die.pressing: got 'single\\ndouble'" in err
