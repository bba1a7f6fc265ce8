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
