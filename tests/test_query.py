"""URL queries <-> designs (pressbook.apps.designer.query): parsing, messages for bad values, round trips."""
import pytest

from pressbook import presets
from pressbook.apps.designer.query import (
    decode_design,
    design_from_query,
    design_to_query,
    encode_design,
    format_material_text,
    parse_material_text,
    parse_query,
    quantity_from_text,
)
from pressbook.errors import InvalidInputError, PressbookError
from pressbook.presets import PRESETS, preset


def test_preset_with_overrides():
    d, problems = design_from_query("?preset=co-press&steps.1.pressure=400MPa&layers.2.mass=50&die.diameter=12+mm")
    assert problems == []
    assert d.steps[0].pressure == 400.0
    assert d.layers[1].mass == 50.0
    assert d.die.diameter == 12.0
    assert d.title == preset("co-press").title


def test_empty_query_is_the_default_preset():
    for q in (None, "", "?", {}):
        d, problems = design_from_query(q)
        assert problems == [] and d.to_dict() == presets.three_step().to_dict()


def test_units_and_loads():
    assert quantity_from_text("0.45 GPa", "MPa", "p") == pytest.approx(450.0)
    assert quantity_from_text("450", "MPa", "p") == 450.0
    assert quantity_from_text("2min", "s", "hold") == 120.0
    # a load on the die: 2 tonne-force on a 10 mm die is 249.7 MPa (TOOLCHAIN)
    assert quantity_from_text("2tf", "MPa", "p", diameter=10.0) == pytest.approx(249.7, abs=0.1)
    d, problems = design_from_query({"steps.2.pressure": "35.34kN"})
    assert problems == [] and d.steps[1].pressure == pytest.approx(450.0, rel=1e-3)


def test_layer_thickness_replaces_mass_and_material_text():
    d, problems = design_from_query("layers.2.thickness=500um&layers.1.material=NCM622 0.8, Li6PS5Cl 0.2")
    assert problems == []
    assert d.layers[1].thickness == 500.0 and d.layers[1].mass is None
    assert d.layers[0].composition == {"NCM622": 0.8, "Li6PS5Cl": 0.2} and d.layers[0].material is None


@pytest.mark.parametrize("query, words", [
    ("steps.1.pressure=abc", ["steps.1.pressure", "abc"]),
    ("steps.1.pressure=9999MPa", ["steps.1.pressure", "0.01 to 3000 MPa"]),
    ("steps.9.hold=3", ["steps.9.hold", "1 to 3"]),
    ("foo=1", ["foo", "preset"]),
    ("preset=nope", ["preset", "three-step"]),
    ("design=AAAA", ["design"]),
    ("steps.1.pressure=__import__('os').system('true')", ["steps.1.pressure"]),
    ("steps.1.hold=5 kg", ["steps.1.hold", "s"]),
    ("steps.1.add=cathode", ["link"]),  # a valid value that makes the protocol impossible
])
def test_bad_values_are_reported_not_raised(query, words):
    d, problems = design_from_query(query)
    assert len(problems) == 1, problems
    for word in words:
        assert word in problems[0]
    d.validate()  # what the app falls back to is always valid
    with pytest.raises(PressbookError):
        design_from_query(query, strict=True)


def test_good_overrides_survive_a_bad_one():
    d, problems = design_from_query("steps.1.pressure=280&steps.2.pressure=oops")
    assert len(problems) == 1 and d.steps[0].pressure == 280.0


def test_query_too_long():
    d, problems = design_from_query("title=" + "x" * 9000)
    assert problems and "at most" in problems[0]


def test_repeated_keys_last_wins():
    assert parse_query("a=1&a=2") == {"a": "2"}


@pytest.mark.parametrize("name", list(PRESETS))
def test_encode_decode_round_trip(name):
    d = preset(name)
    assert decode_design(encode_design(d)).to_dict() == d.to_dict()


def test_decode_plain_json_base64():
    import base64

    text = base64.urlsafe_b64encode(presets.se_pellet().to_json().encode()).decode()
    assert decode_design(text).to_dict() == presets.se_pellet().to_dict()


def test_decode_refuses_a_bomb():
    import base64
    import zlib

    bomb = base64.urlsafe_b64encode(zlib.compress(b"{" + b" " * 5_000_000)).decode()
    with pytest.raises(InvalidInputError):
        decode_design(bomb)


@pytest.mark.parametrize("name", list(PRESETS))
def test_preset_query_is_short(name):
    q = design_to_query(preset(name))
    assert q == f"preset={name}"
    d, problems = design_from_query(q)
    assert problems == [] and d.to_dict() == preset(name).to_dict()


def _changed(design):
    d = design.copy()
    d.steps[0].pressure = 333.5
    d.steps[-1].hold = 90.0
    d.die.diameter = 13.0
    d.operation.stack_pressure = 12.0
    return d


@pytest.mark.parametrize("name", list(PRESETS))
def test_design_to_query_round_trip(name):
    d = _changed(preset(name))
    q = design_to_query(d)
    assert q.startswith(f"preset={name}&")
    back, problems = design_from_query(q)
    assert problems == [] and back.to_dict() == d.to_dict()


def test_composite_particle_sizes_travel_in_links():
    """Issue 23: a design that differs from its preset only by a composite's d50 keeps it in the link."""
    d = presets.three_step()
    d.layers[0].se_d50, d.layers[0].cam_d50 = 2.0, 12.0
    q = design_to_query(d)
    assert "layers.1.se_d50=2um" in q and "layers.1.cam_d50=12um" in q
    back, problems = design_from_query(q)
    assert problems == [] and back == d
    _, problems = design_from_query("?preset=three-step&layers.1.se_d50=500um")
    assert problems == ["link: layers.1.se_d50: got '500 um'; allowed: 0.1 to 100 um"]


def test_design_to_query_falls_back_to_encoded_design():
    d = presets.three_step()
    d.layers[1].mass, d.layers[1].thickness = None, 600.0  # cannot be said with overrides
    d.title = "my cell & more?"
    q = design_to_query(d)
    assert q.startswith("design=")
    back, problems = design_from_query(q)
    assert problems == [] and back.to_dict() == d.to_dict()


def test_material_text():
    assert parse_material_text("Li6PS5Cl") == ("Li6PS5Cl", None)
    assert parse_material_text("Li5.5PS4.5Cl1.5") == ("Li5.5PS4.5Cl1.5", None)
    assert parse_material_text("NCM811 0.7, Li6PS5Cl 0.3") == (None, {"NCM811": 0.7, "Li6PS5Cl": 0.3})
    assert parse_material_text("NCM811:70% + Li6PS5Cl:30%") == (None, {"NCM811": 0.7, "Li6PS5Cl": 0.3})
    comp = {"NCM811": 0.393, "Li6PS5Cl": 0.571, "carbon": 0.036}
    assert parse_material_text(format_material_text(None, comp)) == (None, comp)
    with pytest.raises(InvalidInputError):
        parse_material_text("NCM811 0.7, Li6PS5Cl")
    with pytest.raises(InvalidInputError):
        parse_material_text("  ")


def test_a_surrogate_or_control_character_in_a_link_opens_the_design_cleaned_with_a_message():
    import base64
    import json

    data = presets.three_step().to_dict()
    data["title"] = "a\ud800b"
    query = "design=" + base64.urlsafe_b64encode(json.dumps(data).encode()).decode()
    design, problems = design_from_query(query)
    assert design.title == "a\ufffdb"
    assert len(problems) == 1 and "could not be used" in problems[0]
    design, problems = design_from_query("preset=three-step&title=x%07y")
    assert design.title == "xy" and "could not be used" in problems[0]
    assert design_from_query("preset=three-step&title=caf%C3%A9")[1] == []


def test_overrides_that_together_make_no_design_are_named_once():
    design, problems = design_from_query("preset=three-step&steps.1.add=anode")
    assert design == presets.three_step()
    assert problems[0].startswith("link: its changes together do not make a valid design")
    assert "link: link" not in problems[0]


def test_a_unit_with_a_huge_exponent_in_a_link_is_refused_not_computed():
    """'1m**9**9**9' as a step pressure made pint compute 9**9**9 (the kernel hung); now a message."""
    design, problems = design_from_query("preset=three-step&steps.1.pressure=1m**9**9**9")
    assert design == presets.three_step()
    assert problems and "steps.1.pressure" in problems[0]


def test_the_documented_key_pattern_itself_is_refused_with_a_message():
    """'steps.N.hold' (the README's pattern, N not a number) is a bad key, not a KeyError (found by the fuzz test)."""
    design, problems = design_from_query("preset=three-step&steps.N.hold=300MPa&layers.N.mass=5")
    assert design == presets.three_step()
    assert len(problems) == 2 and all("N a layer or step number" in p for p in problems)
