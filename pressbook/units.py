"""One shared pint registry and the conversions used at pressbook's boundaries.

Public functions accept pint quantities, strings such as ``"300 MPa"`` or plain numbers in
documented default units (MPa, s, um, mm, mg, degC). Model code works on plain floats and numpy
arrays in those default units.
"""
from __future__ import annotations

import math
import numbers
import re

import pint

from .errors import InvalidInputError



def _application_registry():
    """pint's application registry, built from pint's on-disk cache of its parsed unit definitions
    (``~/.cache/pint``; measured: about 0.2 s instead of 0.7 s to build, a part of every app kernel's
    start-up, see benchmarks/bench_kernel_startup.py).  Without a usable cache (read-only home, a
    cache being written by another kernel): the registry is built as before."""
    try:
        registry = pint.UnitRegistry(cache_folder=":auto:")
        registry.Quantity(1.0, "MPa").to("bar")  # fails here, not later, if the cache was unreadable
    except Exception:  # noqa: BLE001 - any cache problem: the plain registry
        return pint.get_application_registry()
    pint.set_application_registry(registry)
    return pint.get_application_registry()


ureg = _application_registry()
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


#: What each default unit measures, for messages ("got '3 tf' (a force); allowed: a pressure ...").
KIND_OF_UNIT = {"MPa": "a pressure", "s": "a time", "mm": "a length", "um": "a length", "mg": "a mass",
                "degC": "a temperature", "newton": "a force", "cm^2": "an area"}
EXAMPLE_OF_UNIT = {"MPa": "'300 MPa' (or GPa, bar, psi, N/mm^2)", "s": "'2 min' (or s, h)",
                   "mm": "'10 mm'", "um": "'50 um'", "mg": "'80 mg' (or g)", "degC": "'25 degC' (or K, degF)",
                   "newton": "'20 kN' (or tf, lbf)", "cm^2": "'20 cm^2'"}

#: Kinds of quantity that have a name people use (by a unit of that kind), for messages.
_DIMENSION_NAMES = (
    ("Pa", "a pressure"),
    ("N", "a force, such as a press load"),
    ("m", "a length"),
    ("s", "a time"),
    ("kg", "a mass"),
    ("K", "a temperature"),
    ("m^2", "an area"),
    ("dimensionless", "a pure number"),
)

_NUMBER = re.compile(r"\s*([+-]?(?:(?:\d[\d_]*(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|nan|inf(?:inity)?))(.*)\Z",
                     re.IGNORECASE | re.DOTALL)
#: A unit expression: names, * / and spaces, parentheses, and small numeric exponents after ** or ^.
_UNIT_CHARS = re.compile(r"[A-Za-z_\u00b0\u03a9\u2126 ()*/^.0-9+-]+\Z")
_NUMBER_IN_UNIT = re.compile(r"(?<![A-Za-z_0-9.])[+-]?\d[\d.]*")
_EXPONENT = re.compile(r"(?:\*\*|\^)\s*\(?\s*[+-]?\s*(\d{1,2}(?:\.\d{1,3})?)\s*\)?(?!\s*(?:\*\*|\^|[\d.]))")


def _kind_of(q) -> str:
    try:
        dim = q.dimensionality
        for ref, name in _DIMENSION_NAMES:
            if dim == ureg.Unit(ref).dimensionality:
                return name
        return f"a quantity of dimension {dim}"
    except Exception:  # pragma: no cover - defensive
        return "a different kind of quantity"


def to_magnitude(value, unit: str, field: str, *, allow_none: bool = False) -> float | None:
    """Convert ``value`` (Quantity, string like "2 min", or number in ``unit``) to a float in ``unit``.

    Strings are "<number> <unit>" with any pint unit of the right dimension ("0.45 GPa", "2 min",
    "300 N/mm^2", "25 degC"; the space is optional) or a bare number in ``unit``. Raises
    InvalidInputError naming ``field`` when the value cannot be read or has the wrong dimension (the
    message says which kind of quantity was given, e.g. a force "3 tf" where a pressure is expected).
    Range checks (finite, positive, ...) are the caller's.
    """
    kind = KIND_OF_UNIT.get(unit, f"a quantity in {unit}")
    example = EXAMPLE_OF_UNIT.get(unit, f"'1 {unit}'")
    if value is None:
        if allow_none:
            return None
        raise InvalidInputError(field, value, f"{kind} such as {example}")
    if isinstance(value, bool):
        raise InvalidInputError(field, value, f"a number in {unit} or {kind} such as {example}")
    if isinstance(value, numbers.Real):
        try:
            return float(value)
        except (OverflowError, ValueError, TypeError):
            shown = f"a number of {len(str(value))} digits" if isinstance(value, numbers.Integral) else repr(value)
            raise InvalidInputError(field, shown, f"a finite number in {unit}") from None
    try:
        if isinstance(value, str):
            text = value.strip()
            if len(text) > 64:
                raise InvalidInputError(field, value[:64] + "...", f"a short quantity such as {example}")
            q = _parse_quantity_text(text)
        elif isinstance(value, pint.Quantity):
            q = value
        else:
            raise InvalidInputError(field, value if isinstance(value, (int, float, str)) else type(value).__name__,
                                    f"a number in {unit} or {kind} such as {example}")
        if not isinstance(q, pint.Quantity):
            return float(q)
        if unit == "degC":
            return float(q.to(ureg.degC).magnitude)
        return float(q.to(unit).magnitude)
    except InvalidInputError:
        raise
    except pint.DimensionalityError:
        given = _kind_of(q)
        hint = ""
        if unit == "MPa" and given.startswith("a force"):
            hint = "a press load becomes a pressure only with the die area: use pressbook.lab.press.load_to_pressure"
        raise InvalidInputError(field, value if isinstance(value, str) else str(value),
                                f"{kind} such as {example}, not {given}", hint) from None
    except Exception:  # pint raises many kinds on garbage text
        raise InvalidInputError(field, value if isinstance(value, str) else type(value).__name__,
                                f"{kind} such as {example}") from None


def _parse_quantity_text(text: str):
    """Parse "300 MPa", "300MPa", "2 min", "25 degC", "2.4 tf", "300 N/mm^2". A bare number is returned as float.

    No evaluation of arbitrary expressions: the unit part may hold unit names, ``*``, ``/``,
    parentheses and small numeric exponents only (so "1 m**9**9**9" cannot make pint compute a huge
    integer).
    """
    text = text.replace("\u00b5", "u").replace("\u03bc", "u")
    m = _NUMBER.match(text)
    if not m:
        raise ValueError("no number")
    number = float(m.group(1))  # ValueError on "1__0"
    unit_text = m.group(2).strip()
    if not unit_text:
        return number
    if unit_text in ("C", "\u00b0C", "degC", "celsius", "degree_Celsius"):
        return Q_(number, ureg.degC)
    if unit_text in ("K",):
        return Q_(number, ureg.kelvin)
    return Q_(number, safe_unit(unit_text))


def safe_unit(unit_text: str):
    """``ureg.Unit(unit_text)`` for unit names, ``*``, ``/``, parentheses and small numeric exponents only.

    Raises ValueError otherwise: pint evaluates numbers in unit text, and "m**9**9**9" would make it
    compute an astronomically large integer.
    """
    unit_text = unit_text.strip()
    if not _UNIT_CHARS.match(unit_text):
        raise ValueError("unexpected characters in the unit")
    # every number in the unit text must be a small exponent right after ** or ^
    exponents = {mm.start(1) for mm in _EXPONENT.finditer(unit_text)}
    for mm in _NUMBER_IN_UNIT.finditer(unit_text):
        digits = mm.start() + (1 if mm.group()[0] in "+-" else 0)
        if digits not in exponents:
            raise ValueError("a number inside the unit")
    return ureg.Unit(unit_text)


def format_quantity(magnitude: float, unit: str) -> str:
    """Format a float in ``unit`` as a short TOML-friendly string, e.g. "300 MPa".

    Lossless: reading the text back gives the same float (short form when 10 digits suffice,
    else Python's shortest round-trip repr).
    """
    if magnitude is None or not math.isfinite(magnitude):
        return f"{magnitude} {unit}"
    text = f"{magnitude:.10g}"
    if float(text) != magnitude:
        text = repr(float(magnitude))
    return f"{text} {unit}"


def timer_step(seconds: float) -> float:
    """The step of a hold set on a timer (s): 5 s below 2 min, 30 s below 10 min, else 1 min."""
    return 5.0 if seconds < 120 else 30.0 if seconds < 600 else 60.0


def timer_seconds(seconds: float) -> float:
    """A hold (s) as a person sets it on a timer: to 5 s below 2 min, 30 s below 10 min, else 1 min (826 -> 840)."""
    step = timer_step(seconds)
    return max(step, round(seconds / step) * step) if seconds > 0 else 0.0


def gauge_step(mpa: float) -> float:
    """The step of a pressure as a person sets it (MPa): 1 MPa from 10 MPa up, 0.1 MPa from 1 MPa, else 0.01 MPa
    (a press gauge is read to about 1 % at the pressures of pellet pressing: an estimate of usual practice)."""
    return 1.0 if mpa >= 10 else 0.1 if mpa >= 1 else 0.01


def gauge_pressure(mpa: float) -> float:
    """A pressure (MPa) as a person sets it (``gauge_step``): 287.4 -> 287, 4.46 -> 4.5, 0.456 -> 0.46."""
    step = gauge_step(mpa)
    return round(round(mpa / step) * step, 2) if mpa > 0 else 0.0


def format_duration(seconds: float) -> str:
    """'45 s', '2 min', '2 min 30 s', '14 min' (seconds rounded to whole seconds)."""
    s = int(round(seconds))
    if s < 120:
        return f"{s} s"
    m, rest = divmod(s, 60)
    return f"{m} min" + (f" {rest} s" if rest else "")


def quantity_dict(magnitude: float, unit: str) -> dict:
    """JSON form of a physical quantity: {"magnitude": x, "units": "..."} with pint-parsable units.

    A non-finite magnitude (an infinite resistance of a layer that does not percolate, or an undefined
    value) is written as null: JSON has no inf or NaN.
    """
    x = float(magnitude)
    return {"magnitude": x if math.isfinite(x) else None, "units": unit}
