"""The log's numbers: predicted vs measured, reproducibility, control charts, outliers, recalibration.

Functions take a column table (``PelletLog.table()``: field -> list) and return plain dicts of numpy
arrays or lists of rows. Densities are relative (0-1); conductivities in mS/cm.

Recalibration reuses ``pressbook.lab.calibrate.calibrate_compaction``: a powder lot's pellets (nominal
pressure, ejected relative density, and conductivity where measured) are one calibration data set
("released" densities: the springback of the library material is removed). Its error is
cross-validated: k folds of pellets, each predicted by a fit to the other folds, against the library's
own parameters (the same Heckel + springback model), as the RMS error of the density and of
ln(conductivity).
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np

from ...errors import InvalidInputError
from ..calibrate import Calibration, calibrate_compaction
from ..measurements import CalibrationDataError

QUANTITIES = {"density": ("pred_density", "ejected_density"),
              "conductivity": ("pred_conductivity_mS_cm", "conductivity_mS_cm")}
GROUPS = ("operator", "lot", "die", "press", "material")
#: the columns every function here needs (``PelletLog.table(COLUMNS)``: fast on 10,000 pellets)
COLUMNS = ("uid", "pressed_on", "material", "lot", "operator", "die", "press", "pressure_MPa", "hold_s",
           "temperature_C", "pred_density", "pred_density_lo", "pred_density_hi", "ejected_density", "pred_conductivity_mS_cm", "conductivity_mS_cm",
           "conductivity_temperature_C", "cracked", "delaminated", "shorted")
MIN_PELLETS = 6


def _array(table: dict, name: str) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in table[name]], float)


def _quantity(quantity: str) -> tuple[str, str]:
    if quantity not in QUANTITIES:
        raise InvalidInputError("quantity", quantity, " or ".join(QUANTITIES))
    return QUANTITIES[quantity]


def parity(table: dict, quantity: str = "density") -> dict:
    """Pellets with both a prediction and a measurement: uid, predicted, measured, error = measured -
    predicted; with n, bias (mean error) and rmse. For the density also lo, hi: the model's 5-95 % range of
    each prediction (nan where the record has none), and ``inside``: how many measurements fall in it."""
    pred_col, meas_col = _quantity(quantity)
    pred, meas = _array(table, pred_col), _array(table, meas_col)
    ok = np.isfinite(pred) & np.isfinite(meas)
    err = meas[ok] - pred[ok]
    band = {}
    if quantity == "density" and "pred_density_lo" in table:
        lo, hi = _array(table, "pred_density_lo")[ok], _array(table, "pred_density_hi")[ok]
        known = np.isfinite(lo) & np.isfinite(hi)
        band = {"lo": lo, "hi": hi, "with_range": int(known.sum()),
                "inside": int(((meas[ok] >= lo) & (meas[ok] <= hi) & known).sum())}
    return {**band, "uid": [u for u, k in zip(table["uid"], ok) if k], "predicted": pred[ok], "measured": meas[ok],
            "error": err,
            "n": int(ok.sum()), "bias": float(err.mean()) if err.size else math.nan,
            "rmse": float(np.sqrt(np.mean(err ** 2))) if err.size else math.nan}


def reproducibility(table: dict, by: str = "operator", quantity: str = "density") -> list[dict]:
    """Per group (operator, lot, die, press or material): n, mean, sd, cv (sd / mean) of the measured value,
    and the mean error against the prediction."""
    if by not in GROUPS:
        raise InvalidInputError("by", by, ", ".join(GROUPS))
    pred_col, meas_col = _quantity(quantity)
    pred, meas = _array(table, pred_col), _array(table, meas_col)
    keys = np.array([k or "(none)" for k in table[by]], object)
    rows = []
    for key in sorted(set(keys[np.isfinite(meas)])):
        sel = (keys == key) & np.isfinite(meas)
        x = meas[sel]
        sd = float(x.std(ddof=1)) if x.size > 1 else math.nan
        err = x - pred[sel]
        rows.append({by: key, "n": int(x.size), "mean": float(x.mean()), "sd": sd,
                     "cv": sd / float(x.mean()) if x.mean() else math.nan, "mean_error": float(np.nanmean(err))})
    return rows


def control_chart(table: dict, quantity: str = "density") -> dict:
    """Individuals chart of the measured value in pressing order: centre line, sigma from the mean moving
    range (MR / 1.128), limits at 3 sigma; ``out`` marks points beyond them or in a run of 8 on one side."""
    _, meas_col = _quantity(quantity)
    meas = _array(table, meas_col)
    ok = np.isfinite(meas)
    x = meas[ok]
    dates = [d for d, k in zip(table["pressed_on"], ok) if k]
    uids = [u for u, k in zip(table["uid"], ok) if k]
    centre = float(x.mean()) if x.size else math.nan
    sigma = float(np.mean(np.abs(np.diff(x)))) / 1.128 if x.size > 1 else math.nan
    out = np.zeros(x.size, bool)
    if np.isfinite(sigma):
        out |= np.abs(x - centre) > 3 * sigma
        side = np.sign(x - centre)
        run = 0
        for i in range(x.size):
            run = run + 1 if i and side[i] == side[i - 1] and side[i] != 0 else 1
            if run >= 8:
                out[i - run + 1:i + 1] = True
    return {"index": np.arange(x.size), "value": x, "pressed_on": dates, "uid": uids, "centre": centre,
            "ucl": centre + 3 * sigma, "lcl": centre - 3 * sigma, "sigma": sigma, "out": out}


def outliers(table: dict, quantity: str = "density", z: float = 3.5) -> list[dict]:
    """Pellets whose error (measured - predicted) is more than ``z`` robust standard deviations (1.4826 MAD)
    from the lab's typical error, each with the reasons the log can give."""
    par = parity(table, quantity)
    if par["n"] < MIN_PELLETS:
        return []
    err = par["error"]
    centre = float(np.median(err))
    scale = 1.4826 * float(np.median(np.abs(err - centre))) or float(err.std()) or 1e-12
    index = {u: i for i, u in enumerate(table["uid"])}
    lots = np.array([table["lot"][index[u]] for u in par["uid"]], object)
    found = []
    for k in np.flatnonzero(np.abs(err - centre) > z * scale):
        i = index[par["uid"][k]]
        score = (err[k] - centre) / scale
        reasons = [f"measured {par['measured'][k]:.4g} vs predicted {par['predicted'][k]:.4g} "
                   f"({score:+.1f} robust sd from the lab's typical error)"]
        for flag in ("cracked", "delaminated", "shorted"):
            if table.get(flag) and table[flag][i]:
                reasons.append(f"the pellet {flag}")
        same = (lots == lots[k]) & (np.arange(err.size) != k)
        if same.sum() >= 3:
            lot_err = float(np.mean(err[same]))
            if abs(lot_err - centre) > z * scale / 2:
                reasons.append(f"the whole lot {lots[k]} differs from the model (mean error {lot_err:+.3g}): "
                               "recalibrate the lot")
            else:
                reasons.append(f"unlike the other pellets of lot {lots[k]} (their mean error {lot_err:+.3g}): "
                               "a handling or measurement problem with this pellet")
            P = np.array([table["pressure_MPa"][index[u]] for u in np.array(par["uid"], object)[same]], float)
            p = table["pressure_MPa"][i]
            if p < P.min() or p > P.max():
                reasons.append(f"pressed at {p:g} MPa, outside the lot's other pellets ({P.min():g}-{P.max():g} MPa)")
        found.append({"uid": par["uid"][k], "operator": table["operator"][i], "lot": table["lot"][i],
                      "error": float(err[k]), "z": float(score), "reasons": reasons})
    return found


@dataclass
class Recalibration:
    lot: str
    material: str
    n: int
    calibration: Calibration
    cv_density_before: float        # RMS error of the relative density, library parameters
    cv_density_after: float         # ... parameters fitted to the other folds
    cv_conductivity_before: float   # RMS error of ln(conductivity)
    cv_conductivity_after: float
    folds: int
    #: the laboratory's conductivity level for this lot (laboratory_update; None: no measured conductivities)
    laboratory: object = None

    @property
    def toml(self) -> str:
        """The recalibrated material as a materials file; with the laboratory's level, its [laboratory] table too:
        loaded in the designer (or ``load_user_materials``), the bands are then this laboratory's, for this lot."""
        text = self.calibration.material_toml()
        if self.laboratory is None:
            return text
        import tomli_w  # noqa: PLC0415

        return (text + "\n# whose pellets: the bands of a design loaded with this file are this laboratory's "
                "(pressbook.bands)\n" + tomli_w.dumps({"laboratory": self.laboratory.toml_table()}))

    @property
    def material_id(self) -> str:
        return self.calibration.material_id


def recalibrate(table: dict, lot: str, *, material: str | None = None, folds: int = 5, library=None) -> Recalibration:
    """Fit the library material of ``lot``'s pellets to them (Heckel, and the conductivity law when at least
    5 pellets have a conductivity); cross-validated error before and after."""
    lots = np.array(table["lot"], object)
    sel = lots == lot
    if not sel.any():
        raise InvalidInputError("lot", lot, "a powder lot of the log: " + ", ".join(sorted(set(map(str, lots)))[:20]))
    mats = sorted({m for m, s in zip(table["material"], sel) if s})
    if material is None:
        if len(mats) > 1:
            raise InvalidInputError("material", None, f"one of {', '.join(mats)} (lot {lot} holds several)")
        material = mats[0]
    sel &= np.array(table["material"], object) == material
    P = _array(table, "pressure_MPa")[sel]
    D = _array(table, "ejected_density")[sel]
    S = _array(table, "conductivity_mS_cm")[sel]
    hold = float(np.median(_array(table, "hold_s")[sel]))
    temp = float(np.median(_array(table, "temperature_C")[sel]))
    st = _array(table, "conductivity_temperature_C")[sel]
    sigma_T = float(np.nanmedian(st)) if np.isfinite(st).any() else 25.0
    ok = np.isfinite(P) & np.isfinite(D)
    P, D, S = P[ok], D[ok], S[ok]
    if P.size < MIN_PELLETS:
        raise CalibrationDataError(f"lot {lot}: {P.size} pellets with a pressure and an ejected density; allowed: at "
                                   f"least {MIN_PELLETS} to recalibrate")
    use_sigma = np.isfinite(S).sum() >= 5

    def fit(idx):
        return calibrate_compaction(_csv(P[idx], D[idx], S[idx] if use_sigma else None), material,
                                    filename=f"pellet log, lot {lot}", measured="released", hold=hold,
                                    temperature=temp, sigma_temperature=sigma_T, new_id=f"{material} lot {lot}"[:80],
                                    library=library)

    cal = fit(np.arange(P.size))
    folds = max(2, min(folds, P.size))
    fold_of = np.arange(P.size) % folds
    err_b, err_a, lerr_b, lerr_a = [], [], [], []
    for f in range(folds):
        test = fold_of == f
        cf = fit(np.flatnonzero(~test))
        err_b.append(cf.predicted_density(P[test], "library") - D[test])
        err_a.append(cf.predicted_density(P[test], "fit") - D[test])
        if use_sigma:
            s_ok = test & np.isfinite(S)
            lerr_b.append(np.log(cf.predicted_conductivity(D[s_ok], "library") / S[s_ok]))
            lerr_a.append(np.log(cf.predicted_conductivity(D[s_ok], "fit") / S[s_ok]))
    rms = lambda parts: float(np.sqrt(np.mean(np.concatenate(parts) ** 2))) if parts else math.nan  # noqa: E731
    try:
        lab = laboratory_update(table, lot=lot)
    except InvalidInputError:  # the lot has no measured conductivity: no level of its own
        lab = None
    if lab is not None and cal.conductivity is not None:  # its conductivity law is fitted to these pellets
        lab = dataclasses.replace(lab, calibrated=(cal.material_id,))
    return Recalibration(lot=lot, material=material, n=int(P.size), calibration=cal, cv_density_before=rms(err_b),
                         cv_density_after=rms(err_a), cv_conductivity_before=rms(lerr_b),
                         cv_conductivity_after=rms(lerr_a), folds=folds, laboratory=lab)


#: Lot-to-lot scatter of one laboratory's conductivity level, ln (estimate: batches of one commercial argyrodite
#: differ by 10-20 % in their supplier's data sheets and in Ohno 2020's repeat syntheses; wide enough to let a lot
#: differ, narrower than the 0.3 between laboratories).
LOT_SD = 0.15
#: A laboratory's repeat scatter of one pellet's measured ln conductivity (estimate: 5 %, the digitisation and
#: repeat error the joint calibration uses for stated conductivities).
MEASUREMENT_SD = 0.05


def _conductivity_pellets(table: dict) -> tuple:
    """(predicted, measured, counts): the pellets whose conductivities the laboratory update uses, a measured and a
    predicted conductivity above 0, measured within 2 degC of 25 (mS/cm; ``counts`` a boolean mask)."""
    pred, meas = _array(table, "pred_conductivity_mS_cm"), _array(table, "conductivity_mS_cm")
    temp = _array(table, "conductivity_temperature_C")
    ok = np.isfinite(pred) & np.isfinite(meas) & (pred > 0) & (meas > 0) & ~(np.abs(temp - 25.0) > 2.0)
    return pred, meas, ok


def laboratory_update(table: dict, *, lot: str | None = None, name: str = "this laboratory"):
    """The laboratory's own conductivity effect from its logged pellets: a Bayesian update (linear Gaussian, exact)
    of the between-laboratory prior with a laboratory effect and one effect per lot::

        ln(measured / predicted)_i = delta_lab + delta_lot(i) + e_i,
        delta_lab ~ N(0, lab_sd^2) (the posterior's between-laboratory sd), delta_lot ~ N(0, LOT_SD^2),
        e_i ~ N(0, s^2),  s^2 = max(model_sd^2 + MEASUREMENT_SD^2, the residuals' variance about their lots' means).

    The scatter s is the laboratory's own when its pellets scatter more about the model than the model error and
    measurement allow (a shape the model does not follow, an operator): it then also replaces the model error in
    the band (``Laboratory.scatter``), so the band stays honest for the next pellet.

    Pellets with a measured and a predicted conductivity (the prediction the log stored, the library's nominal
    values; measured within 2 degC of 25) count. Returns a ``pressbook.bands.Laboratory`` for ``lot`` (a lot of the
    log) or, without one, for a new lot of this laboratory; use it as ``simulate(design, bands=laboratory)``."""
    from ...bands import Laboratory, posterior  # noqa: PLC0415

    post = posterior()
    lab_sd, model_sd = post["lab_sd_ln"], post["model_sd_ln"]
    pred, meas, ok = _conductivity_pellets(table)
    lots_all = np.array([str(v) for v in table["lot"]], object)
    if lot is not None and lot not in set(lots_all[ok]):
        raise InvalidInputError("lot", lot, "a lot with measured conductivities in the log: "
                                + ", ".join(sorted(set(lots_all[ok]))[:20]))
    r = np.log(meas[ok] / pred[ok])
    lots = sorted(set(lots_all[ok]))
    X = np.zeros((r.size, 1 + len(lots)))
    X[:, 0] = 1.0
    for i, v in enumerate(lots_all[ok]):
        X[i, 1 + lots.index(v)] = 1.0
    s2 = model_sd ** 2 + MEASUREMENT_SD ** 2
    if r.size > X.shape[1] + 2:  # enough pellets to measure the laboratory's own scatter about its lots
        fitted = X @ np.linalg.lstsq(X, r, rcond=None)[0]
        s2 = max(s2, float(np.sum((r - fitted) ** 2) / (r.size - X.shape[1])))
    scatter = math.sqrt(max(s2 - MEASUREMENT_SD ** 2, model_sd ** 2))
    prior_prec = np.diag([1.0 / lab_sd ** 2] + [1.0 / LOT_SD ** 2] * len(lots))
    cov = np.linalg.inv(X.T @ X / s2 + prior_prec)
    mean = cov @ X.T @ r / s2
    if lot is None:
        return Laboratory(name=f"{name}, a new lot", shift=float(mean[0]),
                          sd=float(math.sqrt(cov[0, 0] + LOT_SD ** 2)), n_pellets=int(r.size), scatter=scatter)
    j = 1 + lots.index(lot)
    return Laboratory(name=f"{name}, lot {lot}", shift=float(mean[0] + mean[j]),
                      sd=float(math.sqrt(cov[0, 0] + cov[j, j] + 2 * cov[0, j])), n_pellets=int(r.size),
                      scatter=scatter, lot=lot)


#: At most this many pellets get their bands recomputed for the parity plot (evenly spread in pressing order):
#: two band computations per pellet, about 10-40 ms each.
MAX_BAND_PELLETS = 30


def conductivity_bands(table: dict, laboratory, *, lot: str | None = None, library=None,
                       max_pellets: int = MAX_BAND_PELLETS) -> dict:
    """The lab's pellets (of ``lot``) with a measured and a predicted conductivity (measured within 2 degC of 25),
    each prediction's 90 % band for a new laboratory (before the update: ``lo_new``, ``hi_new``) and for
    ``laboratory`` (after: ``lo_lab``, ``hi_lab``), recomputed from the pellet's design (``design_toml`` and
    ``subject_layer`` columns) with ``pressbook.bands``; mS/cm. Also ``inside_new``, ``inside_lab`` (how many
    measurements fall in each band), ``width_new``, ``width_lab`` (median ln(high / low)), ``n`` and ``of`` (the
    pellets there were: at most ``max_pellets`` of them, evenly spread, are computed). A pellet whose
    design no longer loads (a material the library lacks) is left out. The update uses these same pellets: the
    "after" coverage is in-sample (tests/test_lablog_science.py cross-validates it)."""
    from ...bands import Laboratory, bands  # noqa: PLC0415
    from ...design import Design  # noqa: PLC0415
    from ...errors import PressbookError  # noqa: PLC0415

    pred, meas, ok = _conductivity_pellets(table)
    if lot is not None:
        ok &= np.array([str(v) for v in table["lot"]], object) == lot
    out = {k: [] for k in ("uid", "predicted", "measured", "lo_new", "hi_new", "lo_lab", "hi_lab")}
    seen: dict = {}
    chosen = np.flatnonzero(ok)
    if chosen.size > max_pellets:
        chosen = chosen[np.unique(np.linspace(0, chosen.size - 1, max_pellets).round().astype(int))]
    for i in chosen:
        key = (table["design_toml"][i], table["subject_layer"][i])
        if key not in seen:
            try:
                d = Design.from_toml(key[0], library=library)
                seen[key] = [bands(d, library, lab, validate=False).get("ionic_conductivity", key[1])
                             for lab in (Laboratory(), laboratory)]
            except PressbookError:
                seen[key] = None
        if seen[key] is None:
            continue
        (lo_n, hi_n), (lo_l, hi_l) = seen[key]
        for name, v in (("uid", table["uid"][i]), ("predicted", pred[i]), ("measured", meas[i]), ("lo_new", lo_n),
                        ("hi_new", hi_n), ("lo_lab", lo_l), ("hi_lab", hi_l)):
            out[name].append(v)
    a = {k: np.array(v, float) for k, v in out.items() if k != "uid"}
    inside = lambda lo, hi: int(np.sum((a["measured"] >= a[lo]) & (a["measured"] <= a[hi])))  # noqa: E731
    width = lambda lo, hi: float(np.median(np.log(a[hi] / a[lo]))) if a[lo].size else math.nan  # noqa: E731
    return {"uid": out["uid"], **a, "n": len(out["uid"]), "of": int(ok.sum()), "inside_new": inside("lo_new", "hi_new"),
            "inside_lab": inside("lo_lab", "hi_lab"), "width_new": width("lo_new", "hi_new"),
            "width_lab": width("lo_lab", "hi_lab")}


def _csv(P, D, S) -> str:
    if S is None:
        return "pressure_MPa,relative_density\n" + "".join(f"{float(p)!r},{float(d)!r}\n" for p, d in zip(P, D))
    return "pressure_MPa,relative_density,conductivity_mS/cm\n" + "".join(
        f"{float(p)!r},{float(d)!r},{'' if not np.isfinite(s) else repr(float(s))}\n" for p, d, s in zip(P, D, S))
