"""One shared pint registry and the conversions used at pressbook's boundaries.

Public functions accept pint quantities, strings such as ``"300 MPa"`` or plain numbers in
documented default units (MPa, s, um, mm, mg, degC). Model code works on plain floats and numpy
arrays in those default units.
"""
from __future__ import annotations

import math
import numbers

import pint

from .errors import InvalidInputError

ureg = pint.get_application_registry()
Q_ = ureg.Quantity

#: Default unit of every kind of input, the unit model code works in.
DEFAULT_UNITS = {
    "pressure": "MPa",
    "time": "s",
    "length": "mm",
    "thin_length": "um",
    "mass": "mg",
    "temperature": "degC",
}


def to_magnitude(value, unit: str, field: str, *, allow_none: bool = False) -> float | None:
    """Convert ``value`` (Quantity, string like "2 min", or number in ``unit``) to a float in ``unit``.

    Raises InvalidInputError naming ``field`` when the value cannot be read or has the wrong dimension.
    """
    if value is None:
        if allow_none:
            return None
        raise InvalidInputError(field, value, f"a value in {unit}")
    if isinstance(value, bool):
        raise InvalidInputError(field, value, f"a number or a quantity in {unit}")
    if isinstance(value, numbers.Real):
        return float(value)
    try:
        if isinstance(value, str):
            text = value.strip()
            if len(text) > 64:
                raise InvalidInputError(field, value[:64] + "...", f"a short quantity such as '1 {unit}'")
            q = _parse_quantity_text(text)
        elif isinstance(value, pint.Quantity):
            q = value
        else:
            raise InvalidInputError(field, value, f"a number or a quantity in {unit}")
        if not isinstance(q, pint.Quantity):
            return float(q)
        if unit == "degC":
            return float(q.to(ureg.degC).magnitude)
        return float(q.to(unit).magnitude)
    except InvalidInputError:
        raise
    except pint.DimensionalityError:
        raise InvalidInputError(field, value, f"a quantity convertible to {unit}") from None
    except Exception:  # pint raises many kinds on garbage text
        raise InvalidInputError(field, value, f"a quantity such as '1 {unit}'") from None


def _parse_quantity_text(text: str):
    """Parse "300 MPa", "2 min", "25 degC", "2.4 tf". No evaluation of arbitrary expressions."""
    parts = text.replace("\u00b5", "u").replace("\u03bc", "u").split(None, 1)
    if not parts:
        raise ValueError("empty")
    number = float(parts[0])
    if len(parts) == 1:
        return number
    unit_text = parts[1].strip()
    if unit_text in ("C", "°C", "degC", "celsius"):
        return Q_(number, ureg.degC)
    if unit_text in ("K",):
        return Q_(number, ureg.kelvin)
    return Q_(number, ureg.Unit(unit_text))


def format_quantity(magnitude: float, unit: str) -> str:
    """Format a float in ``unit`` as a short TOML-friendly string, e.g. "300 MPa"."""
    if magnitude is None or not math.isfinite(magnitude):
        return f"{magnitude} {unit}"
    text = f"{magnitude:.10g}"
    return f"{text} {unit}"


def quantity_dict(magnitude: float, unit: str) -> dict:
    """JSON form of a physical quantity: {"magnitude": x, "units": "..."} with pint-parsable units."""
    return {"magnitude": float(magnitude), "units": unit}
