"""How sure the model is: 5-95 % bands of every predicted number (issue 24).

A band is the spread of the prediction over draws of what the model does not know, each draw run through the same
kernel (``batch.simulate_many``, one vectorised call):

1. **The calibrated constants**: a few hundred draws of the joint calibration's posterior
   (``pressbook/data/posterior.json``, made by ``tools/posterior.py``): Heckel A and P_y, ejection, density law,
   grain contacts, over-pressing, sigma_bulk of the argyrodites (and the library's copies of them for the other
   electrolytes, marked there as estimates).
2. **The laboratory**: the same powder measured in another laboratory conducts differently (Ohno 2020: tens of
   percent to several-fold). For "a new laboratory" every SE conductivity of a draw is multiplied by
   exp(delta + e), delta ~ N(0, lab_sd) (0.3 in ln, the posterior's estimate) and e ~ N(0, model_sd) (the model
   error: the pooled residual rms of the joint fit's conductivity points, 0.21 in ln; ``model_sd_ln`` of the
   posterior file). A laboratory's own pellets measure its level (``Laboratory`` with ``shift`` and ``sd``, from
   the pellet log's Bayesian update, pressbook.lab.lablog.stats.laboratory_update): its conductivity level is then
   the library's (nominal) value times exp(shift + sd z + e) and the draws' spread of the level (which mirrors the unknown
   effect of the calibration laboratory) is replaced by that; the shape constants still vary.
3. **Uncalibrated constants**: interfacial ASRs are single literature values or estimates (materials.toml), not
   in the joint calibration; each draw multiplies them by a log-normal factor of sd ``INTERFACE_ASR_SD``
   (estimate: the 0.3 in ln of the press-tolerance Monte Carlo, explore.uncertainty.INTERFACES). The compaction
   constants of a material the posterior does not hold (a cathode, an oxide, a user's own) are drawn with the
   powder-to-powder spreads of ``UNCALIBRATED`` (estimates, the same as the uncertainty Monte Carlo's
   "materials, compaction" group), so an uncalibrated material never gets a band of zero width.
4. **The density model error**: each draw's relative density of a porous layer is multiplied by exp(e),
   e ~ N(0, ``density_model_sd_ln``) (0.012: the pooled residual rms of the joint fit's density points) and held
   at most 1; its thickness follows (mass conserved). Conductivities and ASRs are not recomputed from it: their
   own model error covers them.

5. **The press, when asked** (``tolerances="manual"`` or ``"automatic"``): each draw also presses with the scatter
   of that press and balance (``pressbook.tolerances``, the draws of the press-tolerance Monte Carlo of
   explore.uncertainty): step pressures, holds and layer masses. A risk's probability then counts the pellets a
   real press makes, not only the model's doubt.

The draws are fixed (seeded): the same design gives the same band.
"""
from __future__ import annotations

import copy
import dataclasses
import json
import math
import warnings
import weakref
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

import numpy as np

from .batch import resolve_path, simulate_many
from .design import Design
from .errors import InvalidInputError
from .materials import Library, default_library
from .models import impedance as imp
from .models import mechanics as mech
from .tolerances import press_draws

#: Quantiles of a band, percent.
LOW, HIGH = 5.0, 95.0
#: Spread of the uncalibrated interfacial ASRs, ln (estimate; see the module docstring).
INTERFACE_ASR_SD = 0.30
#: Risk level whose probability a band reports: the share of draws at least "medium" (models.mechanics.LEVELS).
RISK_LEVEL = next(bound for bound, name in mech.LEVELS if name == "low")
#: Spread of the compaction constants of a material the posterior does not hold: key -> (kind, sd); log-normal sd
#: in ln, normal sd in the value's units. Estimates (batch-to-batch spread of a powder: yield pressure 10 %, Heckel
#: intercept 0.05, compact modulus 15 %); explore.uncertainty draws the same.
UNCALIBRATED = {"yield_pressure": ("lognormal", 0.10), "heckel_intercept": ("normal", 0.05),
                "compact_modulus": ("lognormal", 0.15)}
SEED = 24


@dataclass(frozen=True)
class Laboratory:
    """Who presses the pellets: ``shift`` and ``sd`` of the laboratory's conductivity effect in ln. The default is a
    new laboratory (no pellets of its own: mean 0, the between-laboratory sd); a laboratory's logged pellets give
    its posterior (pressbook.lab.calibrate.laboratory_update)."""

    name: str = "a new laboratory"
    shift: float | None = None
    sd: float | None = None
    n_pellets: int = 0
    scatter: float | None = None  # ln, a pellet's scatter about the model in this laboratory (None: the model error)
    lot: str | None = None  # the powder lot the level was measured on (None: any lot of the laboratory)
    #: materials whose conductivity was fitted to this laboratory's own pellets (a lot recalibration): their value
    #: already holds the shift, so their band is centred on it (the sd and scatter stay)
    calibrated: tuple = ()

    @property
    def label(self) -> str:
        """Whose band it is, in words: 'a new laboratory', 'this laboratory, lot T (60 pellets)'."""
        return self.name + (f" ({self.n_pellets} pellet{'s' if self.n_pellets != 1 else ''})" if self.n_pellets
                            else "")

    def level_words(self) -> str:
        """Where this laboratory's conductivities sit against the library's values, in words ('' when within 5 %):
        its band is then off-centre from the (library's) predicted value."""
        if self.shift is None or abs(self.shift) < math.log(1.05):
            return ""
        return (f"Pellets of {self.name} conduct {math.exp(self.shift):.2g} times the library's prediction: its band "
                f"sits {'above' if self.shift > 0 else 'below'} the predicted value.")

    def toml_table(self) -> dict:
        """The [laboratory] table of a materials file (pressbook.materials.parse_laboratory reads it back)."""
        out = {"name": self.name, "lot": self.lot, "shift": self.shift, "sd": self.sd, "n_pellets": self.n_pellets,
               "scatter": self.scatter, "calibrated": list(self.calibrated)}
        return {k: v for k, v in out.items() if v is not None}


@lru_cache(maxsize=1)
def posterior() -> dict:
    """The shipped posterior draws (pressbook/data/posterior.json)."""
    text = resources.files("pressbook.data").joinpath("posterior.json").read_text(encoding="utf-8")
    return json.loads(text)


#: Versions of the joint calibration (pressbook.lab.joint_calibration.VERSION) and of the shipped posterior
#: (tools/posterior.py); tests check them against pressbook/data/posterior.json.
CALIBRATION_VERSION = "2026.12-v3"
POSTERIOR_VERSION = "2026.12-p2"


def versions() -> dict:
    """Versions every prediction carries: the materials library (a digest of materials.toml and sources.toml), the
    joint calibration and its posterior."""
    return {"materials": library_digest(), "calibration": CALIBRATION_VERSION, "posterior": POSTERIOR_VERSION}


@lru_cache(maxsize=1)
def library_digest() -> str:
    import hashlib  # noqa: PLC0415

    h = hashlib.sha256()
    for name in ("materials.toml", "sources.toml"):
        h.update(resources.files("pressbook.data").joinpath(name).read_bytes())
    return h.hexdigest()[:12]


# ---------------------------------------------------------------------------- draws of a library
_DRAWN: "weakref.WeakKeyDictionary[Library, list]" = weakref.WeakKeyDictionary()
_LAYER_CACHE: "weakref.WeakKeyDictionary[Library, dict]" = weakref.WeakKeyDictionary()


def _libraries(lib: Library) -> list[Library]:
    """One library per posterior draw: ``lib`` with the drawn values of every material the posterior holds (a
    user's own materials, "(yours)", keep their values)."""
    if lib in _DRAWN:
        return _DRAWN[lib]
    draws = posterior()["library"]
    out = []
    for k in range(posterior()["n_draws"]):
        libk = copy.copy(lib)
        libk.materials = dict(lib.materials)
        for mid, keys in draws.items():
            m = lib.materials.get(mid)
            if m is None:
                continue
            params = dict(m.params)
            for key, values in keys.items():
                if key in params:
                    params[key] = dataclasses.replace(params[key], value=values[k])
            libk.materials[mid] = dataclasses.replace(m, params=params)
        out.append(libk)
    _DRAWN[lib] = out
    return out


def _layer_key(layer) -> tuple:
    comp = tuple(sorted(layer.composition.items())) if layer.composition else None
    return (layer.material, comp, layer.cam_d50, layer.se_d50)


def _layer_draws(lib: Library, layer) -> tuple:
    """(the layer's material, {parameter: array over draws} of its parameters that the draws change); cached per
    library and layer definition."""
    cache = _LAYER_CACHE.setdefault(lib, {})
    key = _layer_key(layer)
    if key not in cache:
        base = lib.for_layer(layer)
        mats = [lk.for_layer(layer) for lk in _libraries(lib)]
        out = {}
        for p in base.params:
            v = np.array([m.get(p, math.nan) for m in mats], dtype=float)
            if np.all(np.isfinite(v)) and np.ptp(v) > 0:
                out[p] = v
        rng = np.random.default_rng([SEED, 3])
        for p, (kind, sd) in UNCALIBRATED.items():  # a constant no draw changes: its estimated spread
            if p in base.params and p not in out:
                e = np.clip(rng.standard_normal(len(mats)), -3, 3)
                out[p] = base[p] * np.exp(sd * e) if kind == "lognormal" else base[p] + sd * e
        cache[key] = (base, out)
    return cache[key]


def laboratory_of(library: Library | None, laboratory: Laboratory | None = None) -> Laboratory:
    """The laboratory a band is for: ``laboratory`` when given, else the library's (a materials file's [laboratory]
    table), else a new laboratory."""
    return laboratory or getattr(library, "laboratory", None) or Laboratory()


def _calibrated(lib: Library, material, laboratory: Laboratory) -> bool:
    """Whether a layer's ion conductor (``material``: the layer's material or composite) was fitted to the
    laboratory's own pellets: the material, or every ion-conducting component of a composite."""
    if not laboratory.calibrated:
        return False
    ids = ({c for c in material.components if lib.materials[c].is_ionic} if material.components
           else {material.id})
    return bool(ids) and ids <= set(laboratory.calibrated)


def variants(design: Design, library: Library | None = None, laboratory: Laboratory | None = None,
             conditions: dict | None = None, tolerances: str | None = None) -> dict:
    """The ``simulate_many`` variants of the band's draws: path -> array over draws. ``laboratory``: default the
    library's (``laboratory_of``). ``conditions``: path -> (low, high) of a condition that is not known (a source
    does not state it): drawn uniformly over its range, so its uncertainty is part of the band (e.g.
    {"operation.stack_pressure": (1, 100)}). ``tolerances``: a press of pressbook.tolerances.PRESSES whose
    pressure, hold and mass scatter each draw also gets (None: exact presses)."""
    lib = library or default_library()
    laboratory = laboratory_of(lib, laboratory)
    post = posterior()
    n = post["n_draws"]
    rng = np.random.default_rng(SEED)
    shift = 0.0 if laboratory.shift is None else laboratory.shift
    lab_sd = post["lab_sd_ln"] if laboratory.sd is None else laboratory.sd
    scatter = post["model_sd_ln"] if laboratory.scatter is None else laboratory.scatter
    spread = lab_sd * rng.standard_normal(n) + scatter * rng.standard_normal(n)
    asr = rng.standard_normal((len(design.layers), n))
    out = {}
    mats = []
    for i, layer in enumerate(design.layers):
        m, drawn = _layer_draws(lib, layer)
        mats.append(m)
        for p, v in drawn.items():
            out[f"materials.{layer.name}.{p}"] = v
        if "ionic_conductivity" in m.params:
            path = f"materials.{layer.name}.ionic_conductivity"
            level = drawn.get("ionic_conductivity", np.full(n, m["ionic_conductivity"]))
            if laboratory.sd is not None:  # a laboratory that measured its own level against the library's nominal
                level = np.full(n, m["ionic_conductivity"])  # prediction: that level replaces the draws' spread
            out[path] = level * np.exp(spread + (0.0 if _calibrated(lib, m, laboratory) else shift))
        if "interface_asr" in m.params:
            out[f"materials.{layer.name}.interface_asr"] = m["interface_asr"] * np.exp(INTERFACE_ASR_SD * asr[i])
    if tolerances is not None:
        out.update(press_draws(design, mats, tolerances, n, [SEED, 2]))
    cond_rng = np.random.default_rng([SEED, 1])
    for path, (lo, hi) in (conditions or {}).items():
        out[path] = cond_rng.uniform(float(lo), float(hi), n)
    for path, v in out.items():  # a draw beyond a parameter's allowed range is held at its edge
        t = resolve_path(design, mats, path)
        out[path] = np.clip(v, t.low, t.high)
    return out


# ---------------------------------------------------------------------------- bands
@dataclass
class Bands:
    """5-95 % bands of one design's predictions; each value a (low, high) pair in the quantity's own units
    (porosity and contact fractions 0-1, thickness and intermixing um, conductivity mS/cm, ASR ohm cm2, R ohm)."""

    laboratory: Laboratory
    n_draws: int
    tolerances: str | None = None                     # the press whose tolerances the draws include (None: none)
    layers: dict = field(default_factory=dict)        # name -> {quantity: (low, high)}
    interfaces: dict = field(default_factory=dict)    # "lower|upper" -> {quantity: (low, high)}
    total_asr: tuple = (math.nan, math.nan)
    total_resistance: tuple = (math.nan, math.nan)
    risks: dict = field(default_factory=dict)         # (name, subject) -> probability of at least "medium"
    spectrum: dict = field(default_factory=dict)      # frequencies, z_real/z_imag low/high (ohm)
    versions: dict = field(default_factory=dict)
    draws: dict = field(default_factory=dict, repr=False)  # quantity -> array over draws (for pessimistic quantiles)

    def get(self, quantity: str, subject: str | None = None) -> tuple:
        """The band of ``quantity`` (of a layer or interface ``subject``), e.g. ``get("ionic_conductivity",
        "separator")`` or ``get("total_asr")``."""
        if subject is None:
            if quantity in ("total_asr", "total_resistance"):
                return getattr(self, quantity)
            raise InvalidInputError("band", quantity, "total_asr or total_resistance, or a quantity with its layer or "
                                    "interface")
        table = self.layers if subject in self.layers else self.interfaces
        if subject not in table or quantity not in table[subject]:
            known = sorted({q for t in (self.layers, self.interfaces) for v in t.values() for q in v})
            raise InvalidInputError("band", f"{quantity} of {subject}", "a layer or interface of the design ("
                                    + ", ".join([*self.layers, *self.interfaces]) + ") and one of " + ", ".join(known))
        return table[subject][quantity]

    def quantile(self, quantity: str, q: float) -> float:
        """The q-th percentile of a whole-cell quantity over the draws ("total_asr", "total_resistance")."""
        return float(np.percentile(self.draws[quantity], q))


def _quantiles(a: np.ndarray) -> np.ndarray:
    """(2, columns) the LOW and HIGH percentiles over the draws (axis 0) of a (draws, columns) array (numpy's
    linear interpolation, from one partition of the transposed array), ignoring non-finite draws (a column with
    no finite draw gives nan: no band)."""
    a = np.asarray(a, dtype=float)
    good = np.isfinite(a).all(axis=0)
    out = np.full((2, a.shape[1]), np.nan)
    n = a.shape[0]
    pos = np.array([LOW, HIGH]) / 100.0 * (n - 1)
    k = np.floor(pos).astype(int)
    k1 = np.minimum(k + 1, n - 1)
    b = np.ascontiguousarray(a[:, good].T)  # (columns, draws): partition along contiguous rows
    b.partition(sorted({*k.tolist(), *k1.tolist()}), axis=1)
    out[:, good] = (b[:, k] + (b[:, k1] - b[:, k]) * (pos - k)).T
    if not good.all():
        with np.errstate(invalid="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            bad = a[:, ~good]
            out[:, ~good] = np.nanpercentile(np.where(np.isfinite(bad), bad, np.nan), [LOW, HIGH], axis=0)
    return out


def _spectra(r, frequencies=imp.FREQUENCIES_HZ) -> np.ndarray:
    """Complex impedance (n, f) of every draw: the circuit of models.impedance as simulate assembles it (R0, one
    R||CPE per arc with Q from its capacitance, a blocking CPE at open ends)."""
    a = imp.ALPHA
    jw = (1j * 2 * np.pi * np.asarray(frequencies)) ** a  # (j w)^alpha, (f,)
    Z = np.repeat(r.r0[:, None].astype(complex), jw.size, axis=1)
    for k in range(r.arc_r.shape[1]):
        R, C = r.arc_r[:, k], r.arc_c[:, k]
        finite = np.isfinite(R) & (R > 0)
        Rf = np.where(finite, R, 1.0)
        Q = np.where(finite, C ** a * Rf ** (a - 1.0), C)[:, None]
        if finite.all():  # the usual case: every draw's arc is an R||CPE
            Z += Rf[:, None] / (1.0 + Rf[:, None] * Q * jw)
        else:
            Z += np.where(finite[:, None], Rf[:, None] / (1.0 + Rf[:, None] * Q * jw), 1.0 / (Q * jw))
    if r.blocking_ends:
        Z += 1.0 / (imp.BLOCKING_C_UF_CM2 * 1e-6 * float(np.mean(r.area)) / r.blocking_ends * jw)
    return Z


@lru_cache(maxsize=8)
def _normals(shape: tuple) -> np.ndarray:
    """Standard normal draws of the density model error (fixed, seeded: the same design gives the same band)."""
    e = np.random.default_rng([SEED, 4]).standard_normal(shape)
    e.flags.writeable = False
    return e


def _density_error(porosity: np.ndarray, thickness: np.ndarray) -> tuple:
    """(porosity, thickness) of every draw with the density model error (module docstring, item 4): the relative
    density D of a porous layer times exp(e), at most 1; thickness times D_old / D_new (mass conserved)."""
    sd = float(posterior().get("density_model_sd_ln", 0.0))
    D = 1.0 - np.asarray(porosity, dtype=float)
    e = _normals(D.shape)
    porous = D < 1.0
    Dn = np.where(porous, np.minimum(D * np.exp(sd * e), 1.0), D)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(porous & (Dn > 0), np.asarray(thickness, dtype=float) * D / Dn, thickness)
    return 1.0 - Dn, t


def bands(design: Design, library: Library | None = None, laboratory: Laboratory | None = None, *,
          validate: bool = True, conditions: dict | None = None, tolerances: str | None = None) -> Bands:
    """The bands of ``design`` (see the module docstring), one ``simulate_many`` call over the posterior draws;
    ``laboratory``, ``conditions`` and ``tolerances`` as in ``variants``."""
    lib = library or default_library()
    laboratory = laboratory_of(lib, laboratory)
    r = simulate_many(design, variants(design, lib, laboratory, conditions, tolerances), library=lib,
                      validate=validate)
    out = Bands(laboratory=laboratory, n_draws=len(r), tolerances=tolerances, versions=versions())
    Z = _spectra(r)
    porosity, thickness = _density_error(r.porosity, r.thickness)
    # every quantity as columns of one (draws, columns) matrix: one percentile call for all of them
    parts = {"porosity": porosity, "thickness": thickness, "conductivity": r.conductivity,
             "asr": r.asr_interface, "contact": r.contact, "intermixing": r.intermixing,
             "totals": np.column_stack([r.total_asr, r.total_resistance]),
             "z_real": Z.real, "z_imag": Z.imag, "magnitude": np.abs(Z)}
    lo, hi = _quantiles(np.concatenate([np.asarray(v, dtype=float).reshape(len(r), -1) for v in parts.values()],
                                       axis=1))
    q, k = {}, 0
    for name, v in parts.items():
        width = int(np.asarray(v).reshape(len(r), -1).shape[1])
        q[name] = list(zip(lo[k:k + width].tolist(), hi[k:k + width].tolist()))
        k += width
    for i, name in enumerate(r.layers):
        por = q["porosity"][i]
        out.layers[name] = {"porosity": por, "relative_density": (1.0 - por[1], 1.0 - por[0]),
                            "thickness": q["thickness"][i]}
        if math.isfinite(q["conductivity"][i][0]):
            out.layers[name]["ionic_conductivity"] = q["conductivity"][i]
    for j, name in enumerate(r.interfaces):
        out.interfaces[name] = {"asr": q["asr"][j], "contact_fraction": q["contact"][j],
                                "intermixing_depth": q["intermixing"][j]}
    out.total_asr, out.total_resistance = q["totals"]
    out.draws = {"total_asr": r.total_asr, "total_resistance": r.total_resistance}
    p = np.mean(r.risk_scores >= RISK_LEVEL - 1e-12, axis=0)
    out.risks = {key: float(p[k]) for k, key in enumerate(r.risks)}
    out.spectrum = {"frequencies": imp.FREQUENCIES_HZ.tolist(),
                    **{f"{name}_{side}": [pair[i] for pair in q[name]]
                       for name in ("z_real", "z_imag", "magnitude") for i, side in enumerate(("low", "high"))}}
    return out


__all__ = ["Bands", "Laboratory", "bands", "laboratory_of", "posterior", "variants", "versions"]
