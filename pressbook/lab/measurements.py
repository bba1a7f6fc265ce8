"""Measurement files for calibration: CSV tables with units in their headers, read into columns.

Measurements come as a CSV file (bytes or text) with a header row. Units are written in the headers
and parsed with pint: ``pressure_MPa``, ``pressure [MPa]``, ``pressure (MPa)``, ``freq/Hz``,
``thickness_um``, ``density`` (no unit or % = relative density; g/cm^3 = bulk density). Recognised
columns (case-insensitive; others are ignored):

    pressure | load (with the die diameter)      compaction pressure (or press load)
    thickness | height                           pellet thickness (needs mass, diameter, true density)
    relative_density | density                   relative (fraction or %) or bulk (g/cm^3) density
    conductivity | sigma                         ionic conductivity, optional (empty cells allowed)
    mass, diameter                               per-row pellet mass and die diameter, optional
    frequency | freq, Z' | z_real | Re(Z), Z'' | -Z'' | z_imag | -Im(Z)     impedance spectra

A malformed file raises CalibrationDataError (a PressbookError) naming the file, the line or column,
and what is allowed. Part of ``pressbook.lab``: imports the core only.
"""
from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass

import numpy as np

from ..errors import PressbookError
from ..units import ureg

MAX_CSV_BYTES = 2_000_000
MAX_ROWS = 20_000
MAX_COLUMNS = 60
MIN_POINTS = {"heckel": 4, "kawakita": 4, "conductivity": 5, "impedance": 10}


class CalibrationDataError(PressbookError, ValueError):
    """A measurement file that cannot be used: what is wrong, where, and what is allowed."""


def named_material(data, ids) -> str | None:
    """The material of ``ids`` that a measurement file names in its leading comment lines ('# ... Li3PS4
    glass ...'), the longest name first (Li5.5PS4.5Cl1.5 before Li3PS4); None if it names none."""
    text = data.decode("utf-8", errors="replace") if isinstance(data, (bytes, bytearray)) else str(data)
    comments = []
    for line in text.lstrip("\ufeff").splitlines()[:20]:
        if not line.lstrip().startswith("#"):
            break
        comments.append(line)
    head = "\n".join(comments)
    for mid in sorted(ids, key=len, reverse=True):
        if re.search(rf"(?<![\w.]){re.escape(mid)}(?![\w.])", head):
            return mid
    return None



def _need(n: int, what: str):
    if n < MIN_POINTS[what]:
        raise CalibrationDataError(f"{what} fit: {n} data points; allowed: at least {MIN_POINTS[what]}")



# ====================================================================== reading CSV files
#: canonical column -> (names, dimension of its unit or None for dimensionless)
COLUMNS = {
    "pressure": (("pressure", "compaction pressure", "compaction_pressure", "stress", "p"), "[pressure]"),
    "load": (("load", "force"), "[force]"),
    "thickness": (("thickness", "pellet thickness", "pellet_thickness", "height", "h"), "[length]"),
    "relative_density": (("relative density", "relative_density", "rel_density", "rel. density", "density_rel",
                          "d_rel"), ""),
    "density": (("density",), None),  # relative (no unit or %) or bulk (g/cm^3)
    "conductivity": (("ionic conductivity", "ionic_conductivity", "conductivity", "sigma", "\u03c3"), "[current] ** 2 * [time] ** 3 / [length] ** 3 / [mass]"),
    "mass": (("mass", "weight", "m"), "[mass]"),
    "diameter": (("die diameter", "die_diameter", "diameter"), "[length]"),
    "frequency": (("frequency", "freq", "f"), "1 / [time]"),
    "z_real": (("z_real", "zreal", "z_re", "zre", "re(z)", "z'", "real"), "[impedance]"),
    "z_imag": (("-z_imag", "-zimag", "-z_im", "-zim", "-im(z)", "-z''", "z_imag", "zimag", "z_im", "zim", "im(z)",
                "z''", "imag"), "[impedance]"),
}
OPTIONAL_EMPTY = ("conductivity",)
_SEPARATORS = " _/[(\t"


@dataclass
class Column:
    name: str           # canonical name
    header: str         # as written in the file
    unit: str | None    # pint unit text as written (None: none given)
    values: np.ndarray  # in the unit as written (nan for empty optional cells)
    negated: bool = False  # header said -Z'' / -Im(Z)

    def to(self, unit: str) -> np.ndarray:
        if self.unit is None:
            return self.values.copy()
        return np.asarray(ureg.Quantity(self.values, _pint_unit(self.unit)).to(unit).magnitude, dtype=float)


def _pint_unit(text: str):
    t = text.strip().replace("\u00b5", "u").replace("\u03bc", "u").replace("\u03a9", "ohm").replace("\u2126", "ohm")
    t = re.sub(r"\bOhm\b", "ohm", t, flags=re.IGNORECASE)
    t = t.replace("·", "*").replace("%", "percent")
    t = re.sub(r"([a-zA-Z])(-?\d+)\b", r"\1^\2", t)  # cm3 -> cm^3, cm-1 -> cm^-1
    if len(t) > 40 or not re.fullmatch(r"[A-Za-z0-9_^*/.\s\-()]+", t):
        raise ValueError("not a unit")
    return ureg.Unit(t)


def _header(text: str) -> tuple[str | None, str | None, bool]:
    """(canonical name, unit text or None, negated) of a header; (None, None, False) for unknown columns."""
    raw = text.strip().strip('"').strip()
    low = raw.lower().replace("\u2032", "'").replace("\u2033", "''").replace("\u2019", "'")
    best = None
    for name, (synonyms, _dim) in COLUMNS.items():
        for syn in synonyms:
            if low.startswith(syn) and (len(low) == len(syn) or low[len(syn)] in _SEPARATORS):
                if best is None or len(syn) > len(best[1]):
                    best = (name, syn)
    if best is None:
        return None, None, False
    name, syn = best
    rest = raw[len(syn):].strip()
    negated = syn.startswith("-")
    unit = None
    if rest:
        m = re.fullmatch(r"[\[(](.*)[\])]", rest)
        if m:
            unit = m.group(1).strip()
        else:
            unit = rest.lstrip("_/ ").strip()
        unit = unit or None
    return name, unit, negated


def read_csv(data, filename: str = "data.csv", wanted: tuple = ()) -> dict[str, Column]:
    """Parse a measurement CSV into recognised columns. Raises CalibrationDataError on anything malformed."""
    where = f"{filename}"
    if isinstance(data, str):
        text = data
        if len(text.encode("utf-8", "replace")) > MAX_CSV_BYTES:
            raise CalibrationDataError(f"{where}: larger than {MAX_CSV_BYTES // 1_000_000} MB; allowed: a CSV file up to "
                                       f"{MAX_CSV_BYTES // 1_000_000} MB")
    elif isinstance(data, (bytes, bytearray, memoryview)):
        raw = bytes(data)
        if len(raw) > MAX_CSV_BYTES:
            raise CalibrationDataError(f"{where}: {len(raw) / 1e6:.1f} MB; allowed: a CSV file up to "
                                       f"{MAX_CSV_BYTES // 1_000_000} MB")
        if b"\x00" in raw[:4096] or raw[:4] in (b"PK\x03\x04", b"%PDF") or raw[:2] == b"\xd0\xcf":
            raise CalibrationDataError(f"{where}: a binary file (spreadsheet, PDF or other); allowed: CSV text "
                                       "(save the sheet as CSV)")
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = raw.decode("cp1252", errors="replace")  # instrument software often writes Windows-1252
    else:
        raise CalibrationDataError(f"{where}: got {type(data).__name__}; allowed: CSV text or bytes")
    if sum(1 for ch in text[:4096] if ord(ch) < 32 and ch not in "\t\r\n") > 4:
        raise CalibrationDataError(f"{where}: contains control characters (a binary file?); allowed: CSV text")
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    if not lines:
        raise CalibrationDataError(f"{where}: empty; allowed: a header row with units and at least one data row")
    if len(lines) > MAX_ROWS + 1:
        raise CalibrationDataError(f"{where}: {len(lines) - 1} rows; allowed: at most {MAX_ROWS}")
    head = lines[0]
    delim = max((",", ";", "\t"), key=lambda d: head.count(d))
    if head.count(delim) == 0:
        delim = ","
    rows = list(csv.reader(io.StringIO("\n".join(lines)), delimiter=delim))
    headers = rows[0]
    if len(headers) > MAX_COLUMNS:
        raise CalibrationDataError(f"{where}: {len(headers)} columns; allowed: at most {MAX_COLUMNS}")
    found: dict[str, tuple[int, str, str | None, bool]] = {}
    for j, h in enumerate(headers):
        name, unit, neg = _header(h)
        if name is None:
            continue
        if name in found:
            raise CalibrationDataError(f"{where}: columns '{found[name][1]}' and '{h.strip()}' both give {name}; "
                                       "allowed: one column per quantity")
        found[name] = (j, h.strip(), unit, neg)
    if wanted and not any(w in found for w in wanted):
        known = ", ".join(h.strip() for h in headers[:8])
        raise CalibrationDataError(f"{where}: header row '{known[:120]}' has none of the columns "
                                   f"{', '.join(wanted)}; allowed: headers such as pressure_MPa, thickness_um, "
                                   "relative_density, conductivity_mS/cm (see the sample files)")
    if len(rows) < 2:
        raise CalibrationDataError(f"{where}: a header but no data rows; allowed: at least one data row")
    decimal_comma = delim != ","
    columns = {}
    for name, (j, h, unit, neg) in found.items():
        dim = COLUMNS[name][1]
        if unit is not None:
            try:
                u = _pint_unit(unit)
            except Exception:
                raise CalibrationDataError(f"{where}, column '{h}': unit '{unit}' is not a unit pint knows; allowed: "
                                           f"e.g. {_EXAMPLES.get(name, 'a unit')}") from None
            if dim is not None and dim != "" and not (1 * u).check(_dim(dim)):
                raise CalibrationDataError(f"{where}, column '{h}': unit '{unit}' is not a {name} unit; allowed: e.g. "
                                           f"{_EXAMPLES.get(name, 'a unit')}")
            if dim == "" and not (1 * u).check("[]"):
                raise CalibrationDataError(f"{where}, column '{h}': unit '{unit}' for a relative density; allowed: "
                                           "none (a fraction) or %")
        elif dim not in ("", None):
            raise CalibrationDataError(f"{where}, column '{h}': no unit in the header; allowed: the unit written in the "
                                       f"header, e.g. {_EXAMPLES.get(name, name + '_unit')}")
        vals = np.empty(len(rows) - 1)
        for i, row in enumerate(rows[1:], start=2):
            if len(row) != len(headers):
                raise CalibrationDataError(f"{where}, data line {i}: {len(row)} fields; allowed: {len(headers)} "
                                           f"(as many as the header row)")
            cell = row[j].strip().strip('"').strip()
            if decimal_comma:
                cell = cell.replace(",", ".")
            if cell == "" and name in OPTIONAL_EMPTY:
                vals[i - 2] = np.nan
                continue
            try:
                v = float(cell)
            except ValueError:
                raise CalibrationDataError(f"{where}, data line {i}, column '{h}': got '{cell[:30]}'; allowed: a number"
                                           + (" (or an empty cell)" if name in OPTIONAL_EMPTY else "")) from None
            if not math.isfinite(v):
                raise CalibrationDataError(f"{where}, data line {i}, column '{h}': got '{cell[:30]}'; allowed: a finite "
                                           "number" + (" (leave the cell empty if not measured)" if name in OPTIONAL_EMPTY
                                                       else ""))
            vals[i - 2] = v
        columns[name] = Column(name=name, header=h, unit=unit, values=vals, negated=neg)
    return columns


_EXAMPLES = {
    "pressure": "pressure_MPa or pressure [MPa]", "load": "load_kN or load [tf]", "thickness": "thickness_um or thickness [mm]",
    "conductivity": "conductivity_mS/cm or conductivity [S/cm]", "mass": "mass_mg", "diameter": "diameter_mm",
    "frequency": "frequency_Hz or freq/Hz", "z_real": "z_real_ohm or Re(Z)/Ohm", "z_imag": "-z_imag_ohm or -Im(Z)/Ohm",
    "density": "density (relative, fraction), density [%] or density [g/cm^3]",
}


def _dim(text: str):
    if text == "[impedance]":
        return ureg.ohm.dimensionality
    return ureg.get_dimensionality(text)
