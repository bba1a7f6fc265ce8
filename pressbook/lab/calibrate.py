"""Calibrate the compaction and conductivity laws of a library material with your own measurements.

Fits (scipy.optimize.curve_fit; standard errors from the covariance matrix) to a measurement CSV
(``pressbook.lab.measurements``):

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
raises CalibrationDataError (a PressbookError) naming what is wrong. Equivalent-circuit fits of measured
spectra are in ``pressbook.lab.spectrum``. Part of ``pressbook.lab``: imports the core only.
"""
from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field

import numpy as np

from ..errors import InvalidInputError, MaterialDataError
from ..materials import PARAMETERS, Library, Material, default_library
from ..models import compaction as cp
from ..models import transport as tr
from .measurements import _EXAMPLES, CalibrationDataError, _need, _pint_unit, read_csv


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
    from ..units import to_magnitude

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
    for need in (("pressure", "load"), ("thickness", "relative_density", "density")):
        if not any(c in cols for c in need):
            raise CalibrationDataError(f"{filename}: no {' or '.join(need)} column; allowed: headers such as "
                                       f"{_EXAMPLES.get(need[0])} and thickness_um or relative_density")
    P, Dm = _pressure_and_density(cols, base, filename, mass, diameter, true_density)
    sel = np.ones(len(P), bool)
    if pressure_range is not None:
        lo, hi = pressure_range
        sel = (P >= lo) & (P <= hi)
    M = base["compact_modulus"]
    D_load = Dm * (1.0 + cp.springback_strain(P, M)) if measured == "released" else Dm.copy()
    if np.any(D_load[sel] >= 1):
        raise CalibrationDataError(f"{filename}: density under load reaches 1 after the springback correction; check "
                                   "`measured` (released or under_load)")
    heck = fit_heckel(P[sel], D_load[sel])
    c_creep = base["creep_coefficient"]
    Ts = base["softening_temperature"]
    # the model's own hold-time and temperature terms (so the calibrated material reproduces the data)
    creep = float(cp.heckel_y(0.0, 0.0, 1.0, c_creep=c_creep, hold_s=hold))
    soft = float(1.0 / cp.yield_pressure_at(1.0, Ts, temperature))
    fitted = {"heckel_intercept": heck["A"] - creep, "yield_pressure": heck["P_y"] * soft}
    se = {"heckel_intercept": heck.se("A"), "yield_pressure": heck.se("P_y") * soft}
    D0 = fill_density if fill_density is not None else float(cp.density_from_y(heck["A"]))
    kaw, kaw_note = _kawakita_or_nan(P[sel], D_load[sel], D0)
    cond = sig = sig_D = None
    if "conductivity" in cols:
        if "ionic_conductivity" not in base.params:
            raise CalibrationDataError(f"{filename}: conductivity given but {base.id} is not an ion conductor; allowed: "
                                       "a solid electrolyte or a composite with one")
        s_all = cols["conductivity"].to("mS/cm")
        ok = sel & np.isfinite(s_all)
        sig, sig_D = s_all[ok], Dm[ok]
        start = (base["ionic_conductivity"], base["percolation_density"], base["conductivity_exponent"])
        cond = fit_conductivity(sig_D, sig, start)
        arr = float(tr.ionic_conductivity(1.0, 1.0, 0.0, 1.0, base["activation_energy"], sigma_temperature))
        se.update({"ionic_conductivity": cond.se("sigma_bulk") / arr, "percolation_density": cond.se("D_c"),
                   "conductivity_exponent": cond.se("t")})
        fitted.update({"ionic_conductivity": cond["sigma_bulk"] / arr, "percolation_density": cond["D_c"],
                       "conductivity_exponent": cond["t"]})
    how = {"heckel_intercept": f"Heckel fit, hold {hold:g} s (creep term with c = {c_creep:g} removed)",
           "yield_pressure": f"Heckel fit at {temperature:g} degC, referred to 25 degC with T_s = {Ts:g} K",
           "ionic_conductivity": f"conductivity law fit at {sigma_temperature:g} degC, referred to 25 degC",
           "percolation_density": "conductivity law fit", "conductivity_exponent": "conductivity law fit"}
    spring = f"; released densities converted with M = {M:g} GPa" if measured == "released" else ""
    n_points = {key: int(sel.sum()) if key in ("heckel_intercept", "yield_pressure") else cond.n for key in fitted}
    entry = _library_entry(base, filename, fitted, se, n_points, {k: how[k] + spring for k in fitted})
    mid = new_id or f"{base.id} (calibrated)"
    if not isinstance(mid, str) or not mid.strip() or len(mid) > 80:
        raise InvalidInputError("new_id", mid, "a name of 1 to 80 characters")
    new_lib = copy.deepcopy(lib)
    try:
        new_lib.add_dict({mid: entry}, origin=f"calibration from {filename}")
    except MaterialDataError as exc:
        raise CalibrationDataError(f"{filename}: the fitted parameters are outside the library's allowed ranges ({exc})") from None
    notes = [f"Kawakita: {kaw_note}"] if kaw_note else []
    if measured == "released":
        notes.append(f"densities measured after release were converted to under load with {base.id}'s compact modulus "
                     f"M = {M:g} GPa (springback P/M)")
    return Calibration(material_id=mid, base=base, library=new_lib, filename=filename, measured=measured,
                       pressure=P[sel], density_measured=Dm[sel], density_load=D_load[sel], heckel=heck, kawakita=kaw,
                       conductivity=cond, sigma_density=sig_D, sigma=sig, hold=hold, temperature=temperature,
                       sigma_temperature=sigma_temperature, entry=entry, se=se, notes=notes)


def _pressure_and_density(cols, base: Material, where: str, mass, diameter, true_density):
    """Pressure (MPa) and relative density as measured, per data row, from whichever columns the file has."""
    from ..units import to_magnitude

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

    def true_rho():
        return to_magnitude(true_density, "g/cm^3", "true density") if true_density is not None else base["density"]

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
        Dm = c.to("g/cm^3") / true_rho()
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
        area = np.pi * (D_die / 20.0) ** 2
        h_um = cols["thickness"].to("um")
        if np.any(h_um <= 0):
            raise CalibrationDataError(f"{where}, column '{cols['thickness'].header}': thicknesses must be above 0")
        Dm = (m * 1e-3 / true_rho()) / (area * h_um * 1e-4)
    bad = np.flatnonzero(~((Dm > 0) & (Dm < 1)))
    if bad.size:
        i = int(bad[0])
        raise CalibrationDataError(f"{where}, data line {i + 2}: relative density {Dm[i]:.3g} from these values; allowed: "
                                   "between 0 and 1 (check units, mass, diameter and true density)")
    return P, Dm


def _kawakita_or_nan(P, D_load, D0) -> tuple[FitResult, str]:
    """The Kawakita fit, or a NaN result and the reason when the data do not allow it."""
    try:
        return fit_kawakita(P, D_load, D0), ""
    except CalibrationDataError as exc:
        nan = FitResult("kawakita", {"a": FitParameter("a", math.nan, math.nan),
                                     "b": FitParameter("b", math.nan, math.nan, "1/MPa"),
                                     "D0": FitParameter("D0", D0, 0.0)}, n=0, rms=math.nan)
        return nan, str(exc)


def _library_entry(base: Material, filename: str, fitted: dict, se: dict, n_points: dict, how: dict) -> dict:
    """The calibrated material's library table: every base parameter, the fitted ones with their provenance."""
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
    for key, value in fitted.items():
        unit = PARAMETERS[key][0]
        entry[key] = {"value": float(value), "unit": unit,
                      "estimate": f"fitted to user data {filename}, {n_points[key]} points, +- {se[key]:.3g}"
                                  f"{(' ' + unit) if unit else ''} ({how[key]})"}
    return entry
