"""Words for people: field paths and error messages in plain language, units spelled one way.

The API and the command line keep their field paths (``steps.1.pressure``: a contract); the apps show
words instead::

    field_label("steps.1.pressure")        -> 'Step 1 pressure'
    plain_message(InvalidInputError("steps.1.pressure", "-50 MPa", "0.01 to 3000 MPa"))
                                            -> 'Step 1 pressure: -50 MPa is not allowed; use 0.01 to 3000 MPa'
    plain_units("50 um at 25 degC")        -> '50 µm at 25 °C'

Pure functions on text (no pressbook imports but the error type).
"""
from __future__ import annotations

import re

from ..errors import InvalidInputError

#: Names of the parts of a field path that are not just their words.
NAMES = {
    "die": "die", "operation": "in use", "press": "press", "query key": "link key",
    "stack_pressure": "stack pressure", "rated_pressure": "rated pressure", "gauge_max": "gauge full scale",
    "gauge_unit": "gauge unit", "capacity_unit": "capacity unit", "ram_diameter": "ram diameter",
    "ram_area": "ram area", "gauge_accuracy": "gauge accuracy", "gauge_resolution": "gauge resolution",
    "max_temperature": "highest temperature", "add": "layers added", "hold": "hold time",
    "title": "design title", "total_asr": "total ASR", "worst_risk": "worst risk",
    "cam_d50": "active-material d50", "se_d50": "SE d50",
    # the pellet log's measurements
    "thickness_um": "whole pellet thickness", "ejected_density": "ejected relative density",
    "conductivity_mS_cm": "ionic conductivity", "conductivity_temperature_C": "temperature of the conductivity",
    "stack_pressure_MPa": "stack pressure of the conductivity", "cycles_to_short": "cycles to short",
}
#: Unit spellings of the code (pint) -> of the page.
UNITS = ((r"\bdegC\b", "°C"), (r"(?<=\d )um\b|(?<=\d)um\b|\bum\b(?=\))", "µm"), (r"\bohm cm2\b", "Ω·cm²"),
         (r"\bohm\b", "Ω"), (r"\bcm2\b", "cm²"), (r"\bmm2\b", "mm²"))

_INDEXED = re.compile(r"\b(steps|layers)\.(\d+)((?: \([^)]*\))?)(?:\.([A-Za-z_]\w*))?(?:\.([\w.+-]+))?")
_DOTTED = re.compile(r"\b(die|operation|press)\.([a-z_]+)\b")


def plain_units(text: str) -> str:
    """Units as the pages write them: µm, °C, Ω·cm², cm²."""
    for pattern, unit in UNITS:
        text = re.sub(pattern, unit, text)
    return text


def unbroken_ranges(html_text: str) -> str:
    """HTML text with each range of numbers ("0.48-2.1", "50-450") kept on one line: a phone never breaks it at
    its hyphen."""
    return re.sub(r"(?<![\w.-])\d[\d.]*-\d[\d.]*(?![\w-])",
                  lambda m: f'<span style="white-space: nowrap">{m.group(0)}</span>', html_text)


def _word(name: str) -> str:
    return NAMES.get(name, name.replace("_", " "))


def field_label(path: str) -> str:
    """'steps.2.pressure' -> 'Step 2 pressure'; 'layers.1 (cathode).mass' -> 'Layer 1 (cathode) mass';
    'operation.temperature' -> 'Temperature in use'; 'die.diameter' -> 'Die diameter'."""
    text = str(path).strip()
    m = _INDEXED.fullmatch(text)
    if m:
        kind, n, name, attr, rest = m.groups()
        words = f"{'Step' if kind == 'steps' else 'Layer'} {n}{name}"
        if attr:
            words += " " + _word(attr)
        if rest:
            words += ", " + rest
        return words
    section, _, name = text.partition(".")
    if section == "operation" and name:
        words = f"{_word(name)} in use"
    elif section in ("die", "press") and name:
        words = f"{section} {_word(name)}"
    else:
        words = _word(text)
    return words[:1].upper() + words[1:]


def plain_text(text: str) -> str:
    """Every field path in ``text`` in words, and units spelled as on the pages."""
    text = _INDEXED.sub(lambda m: field_label(m.group(0)), str(text))
    text = _DOTTED.sub(lambda m: field_label(m.group(0)), text)
    return plain_units(text)


def output_label(name: str) -> tuple[str, str]:
    """(words, unit) of a model output as the design-space tools name it: 'total_asr' -> ('total ASR', 'Ω·cm²'),
    'risk: SE cracking' -> ('SE cracking risk score', '0-1'), 'porosity: separator' -> ('porosity of separator', 'fraction 0-1')."""
    kind, _, what = str(name).partition(": ")
    if kind == "risk" and what:
        return f"{what} risk score", "0-1"
    if kind == "porosity" and what:
        return f"porosity of {what}", "fraction 0-1"
    return {"total_asr": ("total ASR", "Ω·cm²"), "worst_risk": ("worst risk score", "0-1"),
            "total_asr_p95": ("pessimistic total ASR (95th percentile)", "Ω·cm²")}.get(name, (_word(name), ""))


def output_title(name: str) -> str:
    """'total_asr' -> 'total ASR (Ω·cm²)': an output's words with its unit, for menus and axes."""
    words, unit = output_label(name)
    return f"{words} ({unit})" if unit else words


def plain_message(exc: BaseException) -> str:
    """An error as a sentence for the page: '<field in words>: <value> is not allowed; use <allowed>'."""
    if isinstance(exc, InvalidInputError) and isinstance(exc.field, str):
        value = exc.value
        shown = value if isinstance(value, str) else "nothing" if value is None else f"{value:g}" if isinstance(
            value, float) else str(value)
        shown = re.sub(r"(?<![\d.])-?\d+\.\d{4,}(?![\d.])", lambda m: f"{float(m.group()):.5g}", shown)  # 63661.97723 -> 63662
        if len(shown) > 80:
            shown = shown[:77] + "..."
        text = f"{field_label(exc.field)}: {shown} is not allowed; use {exc.allowed}"
        hint = getattr(exc, "hint", "")
        if hint:
            text += f" ({hint})"
        return plain_text(text)
    return plain_text(str(exc))
