"""pressbook.units: the shared registry, reading quantities at the boundary, lossless formatting."""
import math
import time

import pint
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pressbook.errors import InvalidInputError, PressbookError
from pressbook.units import Q_, format_quantity, quantity_dict, to_magnitude, ureg


def test_one_shared_application_registry():
    assert ureg is pint.get_application_registry()
    assert Q_(1, "MPa").to("Pa").magnitude == pytest.approx(1e6)


@pytest.mark.parametrize("text, unit, expected", [
    ("300 MPa", "MPa", 300.0),
    ("300MPa", "MPa", 300.0),
    ("0.45 GPa", "MPa", 450.0),
    (".5 GPa", "MPa", 500.0),
    ("3e2 MPa", "MPa", 300.0),
    ("300 megapascal", "MPa", 300.0),
    ("300 N/mm^2", "MPa", 300.0),
    ("300 N/mm**2", "MPa", 300.0),
    ("300 N mm^-2", "MPa", 300.0),
    ("3000 bar", "MPa", 300.0),
    ("1 psi", "MPa", 0.00689475729),
    ("2 min", "s", 120.0),
    ("2min", "s", 120.0),
    ("1.5 h", "s", 5400.0),
    ("25 degC", "degC", 25.0),
    ("25 °C", "degC", 25.0),
    ("298.15 K", "degC", 0.0 + 25.0),
    ("212 degF", "degC", 100.0),
    ("10 mm", "mm", 10.0),
    ("1 cm", "mm", 10.0),
    ("50 um", "um", 50.0),
    ("50 µm", "um", 50.0),
    ("50 μm", "um", 50.0),
    ("0.05 mm", "um", 50.0),
    ("80 mg", "mg", 80.0),
    ("0.08 g", "mg", 80.0),
    ("42", "MPa", 42.0),  # a bare number is in the default unit
])
def test_strings_in_any_pint_form(text, unit, expected):
    assert to_magnitude(text, unit, "field") == pytest.approx(expected, rel=1e-9, abs=1e-9)


def test_numbers_are_in_the_default_unit_and_quantities_convert():
    assert to_magnitude(300, "MPa", "p") == 300.0
    assert to_magnitude(2.5, "s", "t") == 2.5
    assert to_magnitude(Q_(0.3, "GPa"), "MPa", "p") == pytest.approx(300.0)
    assert to_magnitude(Q_(2, "minute"), "s", "t") == pytest.approx(120.0)
    assert to_magnitude(Q_(373.15, "kelvin"), "degC", "T") == pytest.approx(100.0)
    assert to_magnitude(None, "MPa", "p", allow_none=True) is None


@pytest.mark.parametrize("text, given_kind", [
    ("300 mm", "a length"),
    ("2 min", "a time"),
    ("25 degC", "a temperature"),
    ("80 mg", "a mass"),
    ("3 tf", "a force"),
    ("20 kN", "a force"),
    ("500 lbf", "a force"),
])
def test_wrong_dimension_names_field_value_allowed_and_what_was_given(text, given_kind):
    with pytest.raises(InvalidInputError) as exc:
        to_magnitude(text, "MPa", "steps.1.pressure")
    msg = str(exc.value)
    assert msg.startswith("steps.1.pressure: ")
    assert f"'{text}'" in msg
    assert "allowed: a pressure" in msg and "MPa" in msg
    assert f"not {given_kind}" in msg
    assert exc.value.field == "steps.1.pressure"


def test_a_force_is_refused_as_a_pressure_with_the_way_to_convert_it():
    with pytest.raises(InvalidInputError) as exc:
        to_magnitude("3 tf", "MPa", "steps.2.pressure")
    msg = str(exc.value)
    assert "force" in msg and "die area" in msg and "load_to_pressure" in msg


@pytest.mark.parametrize("value", [
    "", "MPa", "abc", "300 MPa MPa", "300 furlongs", "1__0 MPa", "300 MPa)", "3 0 MPa", "5 MPa/2",
    "x" * 65, True, False, [300], {"value": 300}, object(), b"300 MPa", None,
])
def test_unreadable_values_are_invalid_input(value):
    with pytest.raises(InvalidInputError) as exc:
        to_magnitude(value, "MPa", "die.rated_pressure")
    assert str(exc.value).startswith("die.rated_pressure: got ")
    assert "allowed:" in str(exc.value)


def test_a_huge_integer_is_invalid_input_not_overflow():
    with pytest.raises(InvalidInputError, match="401 digits.*finite number"):
        to_magnitude(10 ** 400, "MPa", "p")


@pytest.mark.parametrize("text", ["1 m**9**9**9", "1 MPa**99999999999999", "1 (m**9)**999999999",
                                  "1 MPa**2**3**4**5", "1 bar**0.5**99**99"])
def test_exponent_towers_in_unit_text_are_refused_quickly(text):
    t0 = time.perf_counter()
    with pytest.raises(InvalidInputError):
        to_magnitude(text, "MPa", "p")
    assert time.perf_counter() - t0 < 1.0


def test_non_finite_numbers_pass_through_for_the_range_checks():
    # to_magnitude only converts; the design's range checks refuse these with the allowed range
    assert math.isnan(to_magnitude("nan MPa", "MPa", "p"))
    assert to_magnitude("1e400 MPa", "MPa", "p") == math.inf
    assert to_magnitude("-inf MPa", "MPa", "p") == -math.inf


def test_format_quantity_short_and_parsable():
    assert format_quantity(300.0, "MPa") == "300 MPa"
    assert format_quantity(120.0, "s") == "120 s"
    assert format_quantity(-40.0, "degC") == "-40 degC"
    for text, unit in [(format_quantity(300.0, "MPa"), "MPa"), (format_quantity(25.0, "degC"), "degC"),
                       (format_quantity(50.0, "um"), "um")]:
        assert to_magnitude(text, unit, "x") == float(text.split()[0])


@settings(max_examples=300, deadline=None)
@given(x=st.floats(allow_nan=False, allow_infinity=False, min_value=-1e300, max_value=1e300),
       unit=st.sampled_from(["MPa", "s", "mm", "um", "mg", "degC"]))
def test_format_quantity_is_lossless(x, unit):
    assert to_magnitude(format_quantity(x, unit), unit, "x") == x


def test_quantity_dict_units_parse_and_non_finite_is_null():
    d = quantity_dict(12.5, "ohm * cm ** 2")
    assert d == {"magnitude": 12.5, "units": "ohm * cm ** 2"}
    assert ureg.Unit(d["units"]).dimensionality == ureg.Unit("ohm*m^2").dimensionality
    assert quantity_dict(math.inf, "ohm") == {"magnitude": None, "units": "ohm"}
    assert quantity_dict(math.nan, "ohm")["magnitude"] is None


def test_every_error_is_a_pressbook_error_and_a_value_error():
    with pytest.raises(PressbookError):
        to_magnitude("nonsense", "MPa", "p")
    with pytest.raises(ValueError):
        to_magnitude("nonsense", "MPa", "p")
