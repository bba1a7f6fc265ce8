"""Pressure <-> load for a cylindrical die, and hydraulic gauge readings.

    load = pressure * die area;      gauge pressure = load / ram area

Load units: kN, tonne-force (metric, ``tf`` = 9.80665 kN), short ton-force (``ton_force``, US), lbf.
Example: 300 MPa on a 10 mm die is 23.6 kN = 2.40 tonne-force.
"""
from __future__ import annotations

import math

from ..errors import InvalidInputError
from ..units import Q_, to_magnitude, ureg

LOAD_UNITS = {"kN": "kilonewton", "tf": "metric_ton_force", "tonf": "ton_force", "lbf": "pound_force", "N": "newton"}
GAUGE_UNITS = {"MPa": "megapascal", "bar": "bar", "psi": "psi", "kPa": "kilopascal"}
#: What each load unit is, in words (tf and tonf differ by 10 %: read the press's plate).
LOAD_UNIT_NAMES = {"kN": "kilonewton", "N": "newton", "lbf": "pound-force",
                   "tf": "metric tonne-force (1000 kg-force = 9.807 kN)",
                   "tonf": "US short ton-force (2000 lbf = 8.896 kN)"}
STANDARD_GRAVITY = 9.80665  # m/s2: a dead weight of m kg loads the punch with m * g N


def die_area_mm2(diameter_mm: float) -> float:
    return math.pi * (diameter_mm / 2.0) ** 2


def _unit(unit: str, table: dict, field: str) -> str:
    if unit in table:
        return table[unit]
    if unit in table.values():
        return unit
    raise InvalidInputError(field, unit, ", ".join(table))


def _finite(value: float, field: str, what: str) -> float:
    if not math.isfinite(value):
        raise InvalidInputError(field, value, f"a finite {what}")
    return value


def pressure_to_load(pressure, diameter, unit: str = "kN") -> float:
    """Load (in ``unit``) that gives ``pressure`` (MPa or quantity) on a die of ``diameter`` (mm or quantity)."""
    P = _finite(to_magnitude(pressure, "MPa", "pressure"), "pressure", "pressure in MPa")
    D = to_magnitude(diameter, "mm", "die diameter")
    if not (D > 0 and math.isfinite(D)):
        raise InvalidInputError("die diameter", D, "a positive diameter in mm")
    newton = P * die_area_mm2(D)  # MPa * mm2 = N
    return float(Q_(newton, "newton").to(_unit(unit, LOAD_UNITS, "load unit")).magnitude)


def load_to_pressure(load, diameter, unit: str = "kN") -> float:
    """Pressure in MPa from a load (number in ``unit``, or quantity) on a die of ``diameter`` (mm)."""
    D = to_magnitude(diameter, "mm", "die diameter")
    if not (D > 0 and math.isfinite(D)):
        raise InvalidInputError("die diameter", D, "a positive diameter in mm")
    if isinstance(load, (int, float)) and not isinstance(load, bool):
        newton = float(Q_(to_magnitude(load, "newton", "load"), _unit(unit, LOAD_UNITS, "load unit")).to("newton").magnitude)
    else:
        newton = to_magnitude(load, "newton", "load")
    return _finite(newton, "load", "load") / die_area_mm2(D)


def gauge_reading(pressure, diameter, ram_diameter=None, ram_area=None, unit: str = "bar") -> float:
    """Hydraulic gauge reading (``unit``) for a die pressure, given the ram diameter (mm) or ram area (cm2)."""
    newton = pressure_to_load(pressure, diameter, "N")
    if ram_area is not None:
        area_mm2 = to_magnitude(ram_area, "cm^2", "ram area") * 100.0
    elif ram_diameter is not None:
        area_mm2 = die_area_mm2(to_magnitude(ram_diameter, "mm", "ram diameter"))
    else:
        raise InvalidInputError("ram", None, "a ram diameter (mm) or a ram area (cm2)")
    if not (area_mm2 > 0 and math.isfinite(area_mm2)):
        raise InvalidInputError("ram area", area_mm2, "a positive area")
    return float(Q_(newton / area_mm2, "megapascal").to(_unit(unit, GAUGE_UNITS, "gauge unit")).magnitude)


def dead_weight_kg(load_kN: float) -> float:
    """Mass (kg) whose weight is ``load_kN`` (kN): 0.785 kN (10 MPa on a 10 mm die) is 80.0 kg."""
    return load_kN * 1e3 / STANDARD_GRAVITY


def nice_step(x: float) -> float:
    """The largest 1-2-5 step (..., 0.1, 0.2, 0.5, 1, 2, ...) not above ``x`` (> 0): 0.375 -> 0.2."""
    if not (x > 0 and math.isfinite(x)):
        raise InvalidInputError("step", x, "a positive number")
    decade = 10.0 ** math.floor(math.log10(x))
    return max(m * decade for m in (1.0, 2.0, 5.0) if m * decade <= x * (1 + 1e-9))


def round_to(x: float, step: float) -> float:
    """``x`` rounded to a multiple of ``step`` (what can be set on a scale divided in ``step``)."""
    n = round(x / step)
    decimals = max(0, -math.floor(math.log10(step)) + 1)
    return round(n * step, decimals)


def round_sig(x: float, digits: int = 3) -> float:
    """``x`` rounded to ``digits`` significant digits (2.40265 -> 2.4, 23.5619 -> 23.6)."""
    if x == 0 or not math.isfinite(x):
        return x
    return round(x, digits - 1 - math.floor(math.log10(abs(x))))
