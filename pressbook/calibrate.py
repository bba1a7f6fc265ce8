"""Calibrate with your own data: compaction (Heckel, Kawakita), conductivity vs density, impedance.

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

Fits (scipy.optimize.curve_fit / least_squares; standard errors from the covariance matrix):

    Heckel     ln(1/(1-D)) = A' + P / P_y'            (D under load; see ``measured``)
    Kawakita   C = 1 - D0/D = a b P / (1 + b P)        (D0 the fill density)
    transport  sigma = sigma_bulk ((D - D_c)/(1 - D_c))^t   (fitted in log sigma: relative errors)

A' and P_y' are the apparent values at the data's hold time and temperature; the model's parameters
follow from them as in ``models.compaction.heckel_y``: A = A' minus the model's creep term
at the data's hold time and P_y(25 degC) = P_y' P_y/P_y(T) (the model's softening), with the creep
coefficient and T_s of the chosen library material. Pellets measured
after release (``measured="released"``, a micrometer on the ejected pellet) are converted to the
density under load with the springback of the model, D_load = D_released (1 + P/M), M the compact
modulus of the chosen library material (an assumption; in-die data avoid it).

The result is a *copy* of the library with the calibrated material added through ``Library.add_dict``:
every fitted parameter's provenance is "estimate: fitted to user data <file>, n points, +- se"; the other
parameters keep the library material's values and sources. Nothing else changes; a malformed file
raises CalibrationDataError (a PressbookError) naming what is wrong.
"""
from __future__ import annotations

import copy
import csv
import io
import math
import re
from dataclasses import dataclass, field

import numpy as np

from .errors import InvalidInputError, MaterialDataError, PressbookError
from .materials import PARAMETERS, Library, Material, default_library
from .models import compaction as cp
from .models import impedance as imp
from .models import transport as tr
from .units import ureg

MAX_CSV_BYTES = 2_000_000
MAX_ROWS = 20_000
MAX_COLUMNS = 60
MIN_POINTS = {"heckel": 4, "kawakita": 4, "conductivity": 5, "impedance": 10}


class CalibrationDataError(PressbookError, ValueError):
    """A measurement file that cannot be used: what is wrong, where, and what is allowed."""


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


# ====================================================================== fitting helpers
@dataclass
class FitParameter:
    name: str
    value: float
    se: float
    unit: str = ""
    library: float | None = None   # the library material's value, for comparison

    def text(self) -> str:
        return f"{_fmt(self.value)} +- {_fmt(self.se)} {self.unit}".strip()


@dataclass
class FitResult:
    model: str
    params: dict            # name -> FitParameter
    n: int
    rms: float              # root-mean-square residual (in the fitted variable)
    r2: float | None = None

    def __getitem__(self, key):
        return self.params[key].value

    def se(self, key):
        return self.params[key].se


def _fmt(x: float) -> str:
    if x is None or not np.isfinite(x):
        return str(x)
    return f"{x:.4g}"


def _curve_fit(f, x, y, p0, bounds=(-np.inf, np.inf), sigma=None):
    from scipy.optimize import curve_fit

    try:
        with np.errstate(all="ignore"):
            popt, pcov = curve_fit(f, x, y, p0=p0, bounds=bounds, sigma=sigma, maxfev=20000)
    except (RuntimeError, ValueError) as exc:
        raise CalibrationDataError(f"the fit did not converge ({str(exc)[:80]}); check the data (units, ranges)") from None
    se = np.sqrt(np.clip(np.diag(pcov), 0, np.inf)) if np.all(np.isfinite(pcov)) else np.full(len(popt), np.inf)
    resid = y - f(x, *popt)
    ss_tot = float(np.sum((y - np.mean(y)) ** 2))
    r2 = 1 - float(np.sum(resid ** 2)) / ss_tot if ss_tot > 0 else None
    return popt, se, float(np.sqrt(np.mean(resid ** 2))), r2


def fit_heckel(pressure_MPa, density_under_load) -> FitResult:
    """Heckel line y = ln(1/(1-D)) = A + P/P_y; returns A and P_y (MPa) with standard errors."""
    P = np.asarray(pressure_MPa, float)
    D = np.asarray(density_under_load, float)
    _need(len(P), "heckel")
    y = cp.y_from_density(D)
    slope0 = np.polyfit(P, y, 1)[0] if np.ptp(P) > 0 else 0.0
    if not slope0 * np.ptp(P) > 1e-3:
        raise CalibrationDataError("Heckel fit: density does not rise with pressure in these data; allowed: a series "
                                   "over a range of pressures")
    (A, inv), (sA, sinv), rms, r2 = _curve_fit(lambda p, a, b: a + b * p, P, y, p0=[float(np.min(y)), slope0])
    Py = 1.0 / inv
    return FitResult("heckel", {"A": FitParameter("A", A, sA), "P_y": FitParameter("P_y", Py, sinv / inv ** 2, "MPa")},
                     n=len(P), rms=rms, r2=r2)


def kawakita_density(P, a, b, D0):
    """Relative density from Kawakita's C = (V0 - V)/V0 = a b P/(1 + b P) with V0 at the fill density D0."""
    P = np.asarray(P, float)
    return D0 / (1.0 - a * b * P / (1.0 + b * P))


def fit_kawakita(pressure_MPa, density_under_load, fill_density: float) -> FitResult:
    """Kawakita a (-) and b (1/MPa) with standard errors, for a known fill density D0."""
    P = np.asarray(pressure_MPa, float)
    D = np.asarray(density_under_load, float)
    _need(len(P), "kawakita")
    if not 0 < fill_density < np.min(D):
        raise CalibrationDataError(f"Kawakita fit: fill density {fill_density:.3g} must lie between 0 and the lowest "
                                   f"measured density {np.min(D):.3g}")
    C = 1.0 - fill_density / D
    # linear form P/C = 1/(ab) + P/a for the start values
    s, i = np.polyfit(P[P > 0], P[P > 0] / C[P > 0], 1)
    a0 = min(max(1.0 / s, 1e-3), 0.99) if s > 0 else 0.5
    b0 = max(1.0 / (i * a0), 1e-6) if i > 0 else 0.01
    (a, b), (sa, sb), rms, r2 = _curve_fit(lambda p, a, b: a * b * p / (1 + b * p), P, C, p0=[a0, b0],
                                           bounds=([1e-6, 1e-9], [1.0, 10.0]))
    return FitResult("kawakita", {"a": FitParameter("a", a, sa), "b": FitParameter("b", b, sb, "1/MPa"),
                                  "D0": FitParameter("D0", fill_density, 0.0)}, n=len(P), rms=rms, r2=r2)


def fit_conductivity(density, sigma_mS_cm, start: tuple | None = None) -> FitResult:
    """sigma = sigma_bulk ((D - D_c)/(1 - D_c))^t fitted in log(sigma); sigma_bulk (mS/cm), D_c, t with se."""
    D = np.asarray(density, float)
    s = np.asarray(sigma_mS_cm, float)
    _need(len(D), "conductivity")
    if np.any(s <= 0):
        raise CalibrationDataError("conductivity: values must be above 0 for the fit (leave unmeasured cells empty)")
    dmin = float(np.min(D))
    hi_c = dmin - 0.002
    if hi_c <= 0.01:
        raise CalibrationDataError("conductivity fit: densities too low (need relative densities above 0.01)")
    sb0, dc0, t0 = start if start else (float(np.max(s)) * 1.5, dmin - 0.1, 1.0)
    dc0 = min(max(dc0, 0.0), hi_c - 1e-3)
    t0 = min(max(t0, 0.11), 4.9)

    def f(d, log_sb, dc, t):
        x = np.clip((d - dc) / (1 - dc), 1e-12, None)
        return log_sb + t * np.log(x)

    (lsb, dc, t), (slsb, sdc, st), rms, r2 = _curve_fit(f, D, np.log(s), p0=[math.log(sb0), dc0, t0],
                                                        bounds=([-30, 0.0, 0.1], [10, hi_c, 5.0]))
    sb = math.exp(lsb)
    return FitResult("conductivity", {"sigma_bulk": FitParameter("sigma_bulk", sb, sb * slsb, "mS/cm"),
                                      "D_c": FitParameter("D_c", dc, sdc), "t": FitParameter("t", t, st)},
                     n=len(D), rms=rms, r2=r2)


def _need(n: int, what: str):
    if n < MIN_POINTS[what]:
        raise CalibrationDataError(f"{what} fit: {n} data points; allowed: at least {MIN_POINTS[what]}")


# ====================================================================== compaction calibration
@dataclass
class Calibration:
    material_id: str
    base: Material
    library: Library
    filename: str
    measured: str
    pressure: np.ndarray          # MPa
    density_measured: np.ndarray  # relative density as measured (released or under load)
    density_load: np.ndarray      # relative density under load (converted if released)
    heckel: FitResult
    kawakita: FitResult
    conductivity: FitResult | None
    sigma_density: np.ndarray | None
    sigma: np.ndarray | None      # mS/cm at the measurement temperature
    hold: float
    temperature: float
    sigma_temperature: float
    entry: dict = field(default_factory=dict)   # the material table given to Library.add_dict
    se: dict = field(default_factory=dict)      # standard errors of the material's fitted parameters
    notes: list = field(default_factory=list)

    @property
    def material(self) -> Material:
        return self.library.get(self.material_id)

    def predicted_density(self, pressure_MPa, which: str = "fit") -> np.ndarray:
        """Relative density in the measured state at ``pressure_MPa``, from the fit or the library material."""
        m = self.material if which == "fit" else self.base
        D_load = cp.heckel_density(pressure_MPa, m["heckel_intercept"], m["yield_pressure"],
                                   c_creep=m["creep_coefficient"], hold_s=self.hold,
                                   T_soft=m["softening_temperature"], temperature_C=self.temperature)
        if self.measured == "released":
            return D_load / (1.0 + cp.springback_strain(pressure_MPa, m["compact_modulus"]))
        return D_load

    def predicted_conductivity(self, density, which: str = "fit") -> np.ndarray:
        m = self.material if which == "fit" else self.base
        return tr.ionic_conductivity(density, m["ionic_conductivity"], m["percolation_density"],
                                     m["conductivity_exponent"], m["activation_energy"], self.sigma_temperature)

    def table(self) -> list[dict]:
        """Rows: parameter, fitted value, standard error, unit, library value, in the model's terms."""
        rows = []
        pairs = [("heckel_intercept", "Heckel A", "heckel_intercept"), ("yield_pressure", "Heckel P_y (25 degC)",
                                                                        "yield_pressure")]
        if self.conductivity is not None:
            pairs += [("ionic_conductivity", "sigma_bulk (25 degC)", "ionic_conductivity"),
                      ("percolation_density", "D_c", "percolation_density"),
                      ("conductivity_exponent", "t", "conductivity_exponent")]
        for key, label, _ in pairs:
            se = self.se[key]
            rows.append({"parameter": label, "key": key, "value": float(self.material[key]), "se": float(se),
                         "unit": PARAMETERS[key][0], "library": self.base.get(key)})
        k = self.kawakita
        rows.append({"parameter": "Kawakita a", "key": "kawakita_a", "value": float(k["a"]), "se": float(k.se("a")), "unit": "",
                     "library": None})
        rows.append({"parameter": "Kawakita b", "key": "kawakita_b", "value": float(k["b"]), "se": float(k.se("b")), "unit": "1/MPa",
                     "library": None})
        return rows

    def material_toml(self) -> str:
        """The calibrated material as a materials TOML file (load it with materials.load_user_materials)."""
        import tomli_w

        header = (f"# pressbook material calibrated from {self.filename} ({len(self.pressure)} points, "
                  f"{self.measured} densities, hold {self.hold:g} s at {self.temperature:g} degC)\n"
                  "# load with: pressbook.materials.load_user_materials('this_file.toml')\n")
        return header + tomli_w.dumps({self.material_id: self.entry})


def calibrate_compaction(data, material: str, *, filename: str = "data.csv", mass=None, diameter=None,
                         true_density=None, measured: str = "released", hold=60.0, temperature=25.0,
                         sigma_temperature=25.0, fill_density: float | None = None, pressure_range=None,
                         new_id: str | None = None, library: Library | None = None) -> Calibration:
    """Fit Heckel, Kawakita and (if given) the conductivity law to a measurement CSV; return a Calibration
    whose ``library`` is a copy of ``library`` with the calibrated material ``material_id`` added.

    mass (mg), diameter (mm) and true_density (g/cm^3; default the library material's) convert thicknesses
    to relative densities when the file has no such columns. ``measured``: "released" (pellets measured
    after unloading) or "under_load" (in-die). ``hold`` (s) and ``temperature`` (degC) of the pressing,
    ``sigma_temperature`` (degC) of the conductivity measurement.
    """
    from .units import to_magnitude

    lib = library or default_library()
    base = lib.get(material, field="material")
    if base.is_foil or "heckel_intercept" not in base.params:
        raise InvalidInputError("material", material, "a powder material of the library (not a foil)")
    if measured not in ("released", "under_load"):
        raise InvalidInputError("measured", measured, "released or under_load")
    hold = to_magnitude(hold, "s", "hold")
    temperature = to_magnitude(temperature, "degC", "temperature")
    sigma_temperature = to_magnitude(sigma_temperature, "degC", "conductivity temperature")
    if not (0 <= hold <= 86400):
        raise InvalidInputError("hold", hold, "0 to 86400 s")
    if not (-40 <= temperature <= 500) or not (-40 <= sigma_temperature <= 500):
        raise InvalidInputError("temperature", temperature, "-40 to 500 degC")
    cols = read_csv(data, filename, wanted=("pressure", "load"))
    where = filename
    for need in (("pressure", "load"), ("thickness", "relative_density", "density")):
        if not any(c in cols for c in need):
            raise CalibrationDataError(f"{where}: no {' or '.join(need)} column; allowed: headers such as "
                                       f"{_EXAMPLES.get(need[0])} and thickness_um or relative_density")
    n = len(next(iter(cols.values())).values)

    def per_row(name, given, unit, label):
        if name in cols:
            return cols[name].to(unit)
        if given is None:
            return None
        v = to_magnitude(given, unit, label)
        if not (math.isfinite(v) and v > 0):
            raise InvalidInputError(label, v, f"a positive value in {unit}")
        return np.full(n, v)

    D_die = per_row("diameter", diameter, "mm", "diameter")
    if "pressure" in cols:
        P = cols["pressure"].to("MPa")
    else:
        if D_die is None:
            raise CalibrationDataError(f"{where}: a load column needs the die diameter (a diameter column or the "
                                       "diameter argument)")
        P = cols["load"].to("N") / (np.pi * (D_die / 2.0) ** 2)
    if np.any(P < 0) or np.any(P > 5000):
        i = int(np.flatnonzero((P < 0) | (P > 5000))[0])
        raise CalibrationDataError(f"{where}, data line {i + 2}: pressure {P[i]:.4g} MPa; allowed: 0 to 5000 MPa")
    if "relative_density" in cols:
        Dm = cols["relative_density"].to("dimensionless")
    elif "density" in cols and cols["density"].unit is not None and not (1 * _pint_unit(cols["density"].unit)).check("[]"):
        c = cols["density"]
        if not (1 * _pint_unit(c.unit)).check("[mass] / [length] ** 3"):
            raise CalibrationDataError(f"{where}, column '{c.header}': unit '{c.unit}'; allowed: none (relative), % or a "
                                       "density unit such as g/cm^3")
        rho = to_magnitude(true_density, "g/cm^3", "true density") if true_density is not None else base["density"]
        Dm = c.to("g/cm^3") / rho
    elif "density" in cols:
        Dm = cols["density"].to("dimensionless")
        if np.nanmax(Dm) > 1.0 and cols["density"].unit is None:
            raise CalibrationDataError(f"{where}, column '{cols['density'].header}': values up to {np.nanmax(Dm):g} with "
                                       "no unit; allowed: a relative density 0-1, or write the unit (density [%], "
                                       "density [g/cm^3])")
    else:
        m = per_row("mass", mass, "mg", "mass")
        if m is None or D_die is None:
            raise CalibrationDataError(f"{where}: thickness needs the pellet mass and die diameter (columns mass_mg, "
                                       "diameter_mm, or the mass and diameter arguments)")
        rho = to_magnitude(true_density, "g/cm^3", "true density") if true_density is not None else base["density"]
        area = np.pi * (D_die / 20.0) ** 2
        h_um = cols["thickness"].to("um")
        if np.any(h_um <= 0):
            raise CalibrationDataError(f"{where}, column '{cols['thickness'].header}': thicknesses must be above 0")
        Dm = (m * 1e-3 / rho) / (area * h_um * 1e-4)
    bad = np.flatnonzero(~((Dm > 0) & (Dm < 1)))
    if bad.size:
        i = int(bad[0])
        raise CalibrationDataError(f"{where}, data line {i + 2}: relative density {Dm[i]:.3g} from these values; allowed: "
                                   "between 0 and 1 (check units, mass, diameter and true density)")
    sel = np.ones(n, bool)
    if pressure_range is not None:
        lo, hi = pressure_range
        sel = (P >= lo) & (P <= hi)
    M = base["compact_modulus"]
    D_load = Dm * (1.0 + cp.springback_strain(P, M)) if measured == "released" else Dm.copy()
    if np.any(D_load[sel] >= 1):
        raise CalibrationDataError(f"{where}: density under load reaches 1 after the springback correction; check "
                                   "`measured` (released or under_load)")
    heck = fit_heckel(P[sel], D_load[sel])
    c_creep = base["creep_coefficient"]
    Ts = base["softening_temperature"]
    # the model's own hold-time and temperature terms (so the calibrated material reproduces the data)
    creep = float(cp.heckel_y(0.0, 0.0, 1.0, c_creep=c_creep, hold_s=hold))
    soft = float(1.0 / cp.yield_pressure_at(1.0, Ts, temperature))
    A_model = heck["A"] - creep
    Py_model = heck["P_y"] * soft
    se = {"heckel_intercept": heck.se("A"), "yield_pressure": heck.se("P_y") * soft}
    D0 = fill_density if fill_density is not None else float(cp.density_from_y(heck["A"]))
    try:
        kaw = fit_kawakita(P[sel], D_load[sel], D0)
    except CalibrationDataError as exc:
        kaw = FitResult("kawakita", {"a": FitParameter("a", math.nan, math.nan),
                                     "b": FitParameter("b", math.nan, math.nan, "1/MPa"),
                                     "D0": FitParameter("D0", D0, 0.0)}, n=0, rms=math.nan)
        kaw_note = str(exc)
    else:
        kaw_note = ""
    cond = None
    sig = sig_D = None
    if "conductivity" in cols:
        if "ionic_conductivity" not in base.params:
            raise CalibrationDataError(f"{where}: conductivity given but {base.id} is not an ion conductor; allowed: a "
                                       "solid electrolyte or a composite with one")
        s_all = cols["conductivity"].to("mS/cm")
        ok = sel & np.isfinite(s_all)
        sig, sig_D = s_all[ok], Dm[ok]
        start = (base["ionic_conductivity"], base["percolation_density"], base["conductivity_exponent"])
        cond = fit_conductivity(sig_D, sig, start)
        arr = float(tr.ionic_conductivity(1.0, 1.0, 0.0, 1.0, base["activation_energy"], sigma_temperature))
        se["ionic_conductivity"] = cond.se("sigma_bulk") / arr
        se["percolation_density"] = cond.se("D_c")
        se["conductivity_exponent"] = cond.se("t")
        fitted_sigma = {"ionic_conductivity": cond["sigma_bulk"] / arr, "percolation_density": cond["D_c"],
                        "conductivity_exponent": cond["t"]}
    else:
        fitted_sigma = {}
    n_used = int(sel.sum())
    fitted = {"heckel_intercept": A_model, "yield_pressure": Py_model, **fitted_sigma}
    # the library entry: every base parameter, fitted ones replaced with their provenance
    entry = {"name": f"{base.name} (calibrated: {filename})", "kind": base.kind}
    for key, p in base.params.items():
        d = {"value": p.value, "unit": p.unit}
        if p.source:
            d["source"] = p.source
        else:
            d["estimate"] = p.estimate or "library value"
        if p.note:
            d["note"] = p.note
        entry[key] = d
    how = {"heckel_intercept": f"Heckel fit, hold {hold:g} s (creep term with c = {c_creep:g} removed)",
           "yield_pressure": f"Heckel fit at {temperature:g} degC, referred to 25 degC with T_s = {Ts:g} K",
           "ionic_conductivity": f"conductivity law fit at {sigma_temperature:g} degC, referred to 25 degC",
           "percolation_density": "conductivity law fit", "conductivity_exponent": "conductivity law fit"}
    spring = f"; released densities converted with M = {M:g} GPa" if measured == "released" else ""
    for key, value in fitted.items():
        unit = PARAMETERS[key][0]
        entry[key] = {"value": float(value), "unit": unit,
                      "estimate": f"fitted to user data {filename}, {n_used if key in ('heckel_intercept', 'yield_pressure') else cond.n} "
                                  f"points, +- {se[key]:.3g}{(' ' + unit) if unit else ''} ({how[key]}{spring})"}
    mid = new_id or f"{base.id} (calibrated)"
    if not isinstance(mid, str) or not mid.strip() or len(mid) > 80:
        raise InvalidInputError("new_id", mid, "a name of 1 to 80 characters")
    new_lib = copy.deepcopy(lib)
    try:
        new_lib.add_dict({mid: entry}, origin=f"calibration from {filename}")
    except MaterialDataError as exc:
        raise CalibrationDataError(f"{filename}: the fitted parameters are outside the library's allowed ranges ({exc})") from None
    notes = []
    if kaw_note:
        notes.append(f"Kawakita: {kaw_note}")
    if measured == "released":
        notes.append(f"densities measured after release were converted to under load with {base.id}'s compact modulus "
                     f"M = {M:g} GPa (springback P/M)")
    cal = Calibration(material_id=mid, base=base, library=new_lib, filename=filename, measured=measured,
                      pressure=P[sel], density_measured=Dm[sel], density_load=D_load[sel], heckel=heck, kawakita=kaw,
                      conductivity=cond, sigma_density=sig_D, sigma=sig, hold=hold, temperature=temperature,
                      sigma_temperature=sigma_temperature, entry=entry, se=se, notes=notes)
    return cal


# ====================================================================== impedance
@dataclass
class Spectrum:
    frequency: np.ndarray   # Hz
    z_real: np.ndarray      # ohm
    z_imag: np.ndarray      # ohm, Im(Z) (negative for a capacitive arc)

    @property
    def z(self) -> np.ndarray:
        return self.z_real + 1j * self.z_imag


def read_spectrum(data, filename: str = "spectrum.csv") -> Spectrum:
    """Frequency, Z' and Z'' columns with units in the header; Z'' may be given as -Z'' (say so in the header)."""
    cols = read_csv(data, filename, wanted=("frequency", "z_real", "z_imag"))
    missing = [c for c in ("frequency", "z_real", "z_imag") if c not in cols]
    if missing:
        raise CalibrationDataError(f"{filename}: no {', '.join(missing)} column; allowed: headers such as "
                                   "frequency_Hz, z_real_ohm, z_imag_ohm (or freq/Hz, Re(Z)/Ohm, -Im(Z)/Ohm)")
    f = cols["frequency"].to("Hz")
    zr = cols["z_real"].to("ohm")
    zi = cols["z_imag"].to("ohm")
    if cols["z_imag"].negated:
        zi = -zi
    elif np.median(zi) > 0:
        raise CalibrationDataError(f"{filename}, column '{cols['z_imag'].header}': mostly positive values; a capacitive "
                                   "spectrum has Im(Z) < 0: name the column -Z'' (or -z_imag_ohm) if it holds -Im(Z)")
    if np.any(f <= 0):
        raise CalibrationDataError(f"{filename}: frequencies must be above 0 Hz")
    _need(len(f), "impedance")
    order = np.argsort(-f)
    return Spectrum(f[order], zr[order], zi[order])


_TOKEN = re.compile(r"p\((\w+),(\w+)\)|(\w+)")


def parse_circuit(circuit: str) -> list:
    """Series elements of a circuit string: R0-p(R1,CPE1)-CPE2 -> [("R",), ("p","R","CPE"), ("CPE",)]."""
    if not isinstance(circuit, str) or len(circuit) > 200:
        raise InvalidInputError("circuit", circuit, "a circuit string such as R0-p(R1,CPE1)")
    out = []
    for part in circuit.replace(" ", "").split("-"):
        m = re.fullmatch(r"p\(([A-Za-z]+)\d*,([A-Za-z]+)\d*\)", part)
        if m:
            a, b = m.group(1), m.group(2)
            if a not in ("R", "C", "CPE") or b not in ("R", "C", "CPE"):
                raise InvalidInputError("circuit", circuit, "elements R, C, CPE and p(X,Y) in series")
            out.append(("p", a, b))
            continue
        m = re.fullmatch(r"([A-Za-z]+)\d*", part)
        if not m or m.group(1) not in ("R", "C", "CPE"):
            raise InvalidInputError("circuit", circuit, "elements R, C, CPE and p(X,Y) in series")
        out.append((m.group(1),))
    return out


_NPAR = {"R": 1, "C": 1, "CPE": 2}


def _element_z(kind, p, omega):
    if kind == "R":
        return np.full(omega.shape, complex(p[0]))
    if kind == "C":
        return 1.0 / (1j * omega * p[0])
    return imp.cpe_impedance(p[0], p[1], omega)


def circuit_impedance(circuit: str, params, frequencies) -> np.ndarray:
    """Complex impedance of a circuit string with impedance.py parameter order (R; C; CPE: Q, alpha)."""
    omega = 2 * np.pi * np.asarray(frequencies, float)
    Z = np.zeros(omega.shape, complex)
    k = 0
    for el in parse_circuit(circuit):
        if el[0] == "p":
            na, nb = _NPAR[el[1]], _NPAR[el[2]]
            za = _element_z(el[1], params[k:k + na], omega)
            zb = _element_z(el[2], params[k + na:k + na + nb], omega)
            Z = Z + za * zb / (za + zb)
            k += na + nb
        else:
            n = _NPAR[el[0]]
            Z = Z + _element_z(el[0], params[k:k + n], omega)
            k += n
    if k != len(params):
        raise InvalidInputError("parameters", f"{len(params)} values", f"{k} for circuit {circuit}")
    return Z


def parameter_names(circuit: str) -> list[str]:
    names = []
    for part, el in zip(circuit.replace(" ", "").split("-"), parse_circuit(circuit)):
        if el[0] == "p":
            a, b = part[2:-1].split(",")
            for sym in (a, b):
                names += [sym] if not sym.startswith("CPE") else [f"{sym}_Q", f"{sym}_alpha"]
        else:
            names += [part] if not part.startswith("CPE") else [f"{part}_Q", f"{part}_alpha"]
    return names


@dataclass
class ImpedanceFit:
    circuit: str
    names: list
    values: np.ndarray
    se: np.ndarray
    start: np.ndarray
    spectrum: Spectrum
    z_fit: np.ndarray
    rms_relative: float

    def table(self) -> list[dict]:
        units = lambda n: "ohm" if n.startswith("R") else ("" if n.endswith("alpha") else
                                                           ("F" if n.startswith("C") and "_" not in n else "F s^(a-1)"))
        def determined(n, v, s):  # a standard error this large means the spectrum does not fix the value
            return bool(np.isfinite(s) and (s < 0.1 if n.endswith("alpha") else s < 0.5 * abs(v)))

        return [{"parameter": n, "value": float(v), "se": float(s), "start": float(s0), "unit": units(n),
                 "determined": determined(n, v, s)}
                for n, v, s, s0 in zip(self.names, self.values, self.se, self.start)]


def fit_spectrum(spectrum: Spectrum, circuit: str, start, n_starts: int = 8) -> ImpedanceFit:
    """Complex nonlinear least squares (modulus-weighted) of ``circuit`` to ``spectrum`` from ``start``.

    Positive parameters (R, C, Q) are fitted in log space; CPE exponents bounded to 0.3-1. Standard
    errors from the Jacobian at the optimum (covariance = s^2 (J^T J)^-1).
    """
    from scipy.optimize import least_squares

    names = parameter_names(circuit)
    p0 = np.array([float(x) for x in start], float)
    if len(p0) != len(names):
        raise InvalidInputError("start", f"{len(p0)} values", f"{len(names)} for {circuit}")
    is_alpha = np.array([n.endswith("alpha") for n in names])
    p0 = np.where(~is_alpha & ~(np.isfinite(p0) & (p0 > 0)), 1e6, p0)
    p0 = np.where(is_alpha, np.clip(p0, 0.31, 0.999), p0)
    x0 = np.where(is_alpha, p0, np.log(p0))
    lo = np.where(is_alpha, 0.3, -60.0)
    hi = np.where(is_alpha, 1.0, 60.0)
    Zd = spectrum.z
    w = 1.0 / np.abs(Zd)

    def unpack(x):
        return np.where(is_alpha, x, np.exp(np.clip(x, -60, 60)))

    def resid(x):
        dz = (circuit_impedance(circuit, unpack(x), spectrum.frequency) - Zd) * w
        return np.concatenate([dz.real, dz.imag])

    # multi-start: the start values, then seeded log-perturbations of R, C and Q (overlapping arcs have
    # several local minima); the lowest cost wins
    rng = np.random.default_rng(0)
    starts = [x0] + [np.clip(np.where(is_alpha, x0, x0 + rng.normal(0.0, 1.0, x0.size)), lo + 1e-9, hi - 1e-9)
                     for _ in range(n_starts - 1)]
    res = None
    with np.errstate(all="ignore"):
        for xs in starts:
            try:
                r = least_squares(resid, xs, bounds=(lo, hi), x_scale="jac", max_nfev=3000)
            except ValueError:
                continue
            if np.all(np.isfinite(r.x)) and (res is None or r.cost < res.cost * (1 - 1e-9)):
                res = r
    if res is None or not np.all(np.isfinite(res.x)):
        raise CalibrationDataError("impedance fit did not converge; check the spectrum and the circuit")
    J = res.jac
    dof = max(len(res.fun) - len(x0), 1)
    s2 = float(np.sum(res.fun ** 2)) / dof
    try:
        cov = np.linalg.pinv(J.T @ J) * s2
        se_x = np.sqrt(np.clip(np.diag(cov), 0, np.inf))
    except np.linalg.LinAlgError:
        se_x = np.full(len(x0), np.inf)
    vals = unpack(res.x)
    se = np.where(is_alpha, se_x, vals * se_x)
    vals, se = _match_blocks(circuit, vals, se, p0)
    return ImpedanceFit(circuit=circuit, names=names, values=vals, se=se, start=p0, spectrum=spectrum,
                        z_fit=circuit_impedance(circuit, vals, spectrum.frequency),
                        rms_relative=float(np.sqrt(np.mean(res.fun ** 2))))


def _match_blocks(circuit, vals, se, start):
    """Interchangeable blocks (several p(R,CPE) in series) give the same spectrum in any order: put the
    fitted blocks in the order closest (log R, log Q) to the start values, so R1 stays the start's R1."""
    from itertools import permutations

    blocks, k = [], 0
    for el in parse_circuit(circuit):
        n = (_NPAR[el[1]] + _NPAR[el[2]]) if el[0] == "p" else _NPAR[el[0]]
        if el == ("p", "R", "CPE"):
            blocks.append(k)
        k += n
    if len(blocks) < 2 or len(blocks) > 6:
        return vals, se

    def dist(a, b):
        return sum(math.log(max(vals[a + i], 1e-300) / max(start[b + i], 1e-300)) ** 2 for i in (0, 1))

    best = min(permutations(range(len(blocks))),
               key=lambda perm: sum(dist(blocks[src], blocks[dst]) for dst, src in enumerate(perm)))
    v, e = vals.copy(), se.copy()
    for dst, src in enumerate(best):
        v[blocks[dst]:blocks[dst] + 3] = vals[blocks[src]:blocks[src] + 3]
        e[blocks[dst]:blocks[dst] + 3] = se[blocks[src]:blocks[src] + 3]
    return v, e


def fit_outcome_spectrum(data, outcome, filename: str = "spectrum.csv") -> ImpedanceFit:
    """Fit the circuit predicted for a design (``outcome.impedance``) to a measured spectrum file."""
    spectrum = read_spectrum(data, filename)
    return fit_spectrum(spectrum, outcome.impedance.circuit, outcome.impedance.parameters)
