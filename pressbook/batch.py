"""Many variants of one design in one vectorised call: ``simulate_many``, ``grid`` and ``sample``.

A variant changes numbers of a design, never its structure (layers, materials, which step adds
what). Each changed number is named by a dotted path and given as an array, one value per variant::

    steps.<k>.pressure | hold | temperature      k = 1, 2, ... (as in the design's error messages)
    layers.<i>.mass | thickness                  i = 1, 2, ... or the layer's name
    layers.<i>.cam_d50 | se_d50                  particle sizes d50 of a composite's active material / SE (um)
    materials.<layer>.<parameter>                the layer's (mixed) material parameter, e.g.
                                                 materials.separator.yield_pressure (MPa)
    operation.stack_pressure | temperature
    die.diameter | die.clearance                 clearance: punch-die radial gap (um; foil extrusion)
    friction.mu | friction.K                     die-wall friction (model estimates)

Units are pressbook's defaults (MPa, s, degC, mg, um, mm; material parameters in the units of
``pressbook.materials.PARAMETERS``). ``simulate_many`` validates the base design once, checks every
value of every variant against the same ranges as the design format, runs the physics
(``simulate.run_kernel``, the same code ``simulate`` runs) on whole arrays, ``CHUNK`` variants per
call, and returns a ``BatchResult`` of numpy arrays.
Results agree with ``simulate`` of the equivalently edited design (tests/test_batch.py).

    >>> from pressbook import presets
    >>> from pressbook.batch import simulate_many, grid
    >>> r = simulate_many(presets.three_step(), grid({"steps.1.pressure": [250, 300], "steps.2.pressure": [400, 450]}))
    >>> r.total_asr.shape
    (4,)
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .design import D50_FIELDS, LIMITS, Design
from .errors import InvalidInputError
from .materials import PARAMETERS, Library, default_library
from .simulate import LAYER_KEYS, make_inputs, make_plan, run_kernel

#: Variants per run_kernel call: bounds the temporaries (about 1 kB a variant) and keeps them in cache
#: (16384 measured fastest on the benchmark machine, 4096-65536 within 25 %).
CHUNK = 16_384
#: Largest batch accepted in one call.
MAX_VARIANTS = 20_000_000

_STEP_KEYS = {"pressure": "pressure", "hold": "hold", "temperature": "temperature"}
_OPERATION_KEYS = {"stack_pressure": "stack_pressure", "temperature": "temperature"}
_FRICTION = {"mu": (0.0, 1.0, ""), "K": (0.0, 1.0, "")}


class Variants(dict):
    """A dict of dotted path -> 1-D array of equal length; ``shape`` is the grid shape (or (n,))."""

    shape: tuple = ()

    def __init__(self, data=(), shape=None):
        super().__init__(data)
        n = len(next(iter(self.values()))) if self else 0
        self.shape = tuple(shape) if shape is not None else (n,)


def grid(axes: dict) -> Variants:
    """Every combination of the given axis values ('ij' order: the last axis varies fastest).

    ``grid({"steps.1.pressure": [250, 300], "steps.2.hold": [60, 300, 600]})`` gives 6 variants;
    ``result.reshape(values)`` turns any per-variant array back into the (2, 3) grid.
    """
    if not axes:
        raise InvalidInputError("grid", {}, "at least one path with its values")
    values = []
    for path, v in axes.items():
        a = np.atleast_1d(np.asarray(v, dtype=float))
        if a.ndim != 1 or a.size == 0:
            raise InvalidInputError(path, f"shape {a.shape}", "a non-empty list of numbers")
        values.append(a)
    shape = tuple(a.size for a in values)
    if math.prod(shape) > MAX_VARIANTS:
        raise InvalidInputError("grid", f"{math.prod(shape)} variants", f"at most {MAX_VARIANTS}")
    mesh = np.meshgrid(*values, indexing="ij")
    return Variants({p: m.ravel() for p, m in zip(axes, mesh)}, shape=shape)


def sample(spec: dict, n: int, seed: int = 0, method: str = "random") -> Variants:
    """``n`` seeded random variants. spec: path -> distribution, each one of

    * ``(low, high)`` or ``{"dist": "uniform", "low": a, "high": b}``
    * ``{"dist": "loguniform", "low": a, "high": b}``
    * ``{"dist": "normal", "mean": m, "sd": s}`` (optional ``low``/``high`` clip the values)
    * ``{"dist": "lognormal", "median": m, "sigma": s}`` (sigma of ln; optional ``low``/``high``)

    ``method="lhs"`` draws a Latin hypercube (each axis stratified in n equal-probability bins).
    The same seed gives the same variants.
    """
    from scipy.special import ndtri

    n = int(n)
    if not 1 <= n <= MAX_VARIANTS:
        raise InvalidInputError("sample.n", n, f"1 to {MAX_VARIANTS}")
    if method not in ("random", "lhs"):
        raise InvalidInputError("sample.method", method, "'random' or 'lhs'")
    rng = np.random.default_rng(seed)
    out = Variants()
    for path, d in spec.items():
        if method == "lhs":
            u = (rng.permutation(n) + rng.random(n)) / n
        else:
            u = rng.random(n)
        u = np.clip(u, 1e-12, 1 - 1e-12)
        if isinstance(d, (tuple, list)) and len(d) == 2:
            d = {"dist": "uniform", "low": d[0], "high": d[1]}
        if not isinstance(d, dict) or "dist" not in d:
            raise InvalidInputError(path, d, "(low, high) or a dict with 'dist'")
        kind = d["dist"]
        if kind == "uniform":
            v = d["low"] + u * (d["high"] - d["low"])
        elif kind == "loguniform":
            lo, hi = math.log(d["low"]), math.log(d["high"])
            v = np.exp(lo + u * (hi - lo))
        elif kind == "normal":
            v = d["mean"] + d["sd"] * ndtri(u)
        elif kind == "lognormal":
            v = d["median"] * np.exp(d["sigma"] * ndtri(u))
        else:
            raise InvalidInputError(f"{path}.dist", kind, "uniform, loguniform, normal or lognormal")
        if kind in ("normal", "lognormal") and ("low" in d or "high" in d):
            v = np.clip(v, d.get("low", -np.inf), d.get("high", np.inf))
        out[path] = np.asarray(v, dtype=float)
    out.shape = (n,)
    return out


# ---------------------------------------------------------------------------- paths
@dataclass(frozen=True)
class _Target:
    """Where a path's values go in the kernel inputs, and the range they must lie in."""

    path: str
    kind: str          # "step", "layer", "size", "material", "operation", "die", "friction"
    index: int | None  # step or layer index (0-based)
    key: str
    low: float
    high: float
    unit: str


def _layer_index(design: Design, token: str, path: str) -> int:
    names = [l.name for l in design.layers]
    if token in names:
        return names.index(token)
    if token.isdigit() and 1 <= int(token) <= len(names):
        return int(token) - 1
    raise InvalidInputError(path, token, "a layer number 1 to %d or a layer name (%s)" % (len(names), ", ".join(names)))


def resolve_path(design: Design, mats, path: str) -> _Target:
    """Parse a dotted variant path against a design; raise InvalidInputError naming what is allowed."""
    parts = path.split(".") if isinstance(path, str) else []
    head = parts[0] if parts else None
    if head == "steps" and len(parts) == 3:
        tok, key = parts[1], parts[2]
        if not (tok.isdigit() and 1 <= int(tok) <= len(design.steps)):
            raise InvalidInputError(path, tok, f"a step number 1 to {len(design.steps)}")
        if key not in _STEP_KEYS:
            raise InvalidInputError(path, key, "pressure, hold or temperature")
        lo, hi, unit = LIMITS[key]
        if key == "pressure" and design.die.rated_pressure is not None:
            hi = min(hi, design.die.rated_pressure)
        return _Target(path, "step", int(tok) - 1, key, lo, hi, unit)
    if head == "layers" and len(parts) == 3:
        i = _layer_index(design, parts[1], path)
        key = parts[2]
        if key in D50_FIELDS:
            if mats[i].network is None or mats[i].kind != "cathode_active":
                raise InvalidInputError(path, key, f"a particle size of a composite layer of an active material and "
                                        f"an SE ('{design.layers[i].name}' is not one)")
            lo, hi, unit = LIMITS["d50"]
            return _Target(path, "size", i, key, lo, hi, unit)
        if key not in ("mass", "thickness"):
            raise InvalidInputError(path, key, "mass, thickness, cam_d50 or se_d50 "
                                    "(material parameters: materials.<layer>.<parameter>)")
        lo, hi, unit = LIMITS[key]
        return _Target(path, "layer", i, key, lo, hi, unit)
    if head == "materials" and len(parts) == 3:
        i = _layer_index(design, parts[1], path)
        key = parts[2]
        usable = [k for k in LAYER_KEYS if k in mats[i].params]
        if key not in usable:
            raise InvalidInputError(path, key, f"a parameter of layer '{design.layers[i].name}': " + ", ".join(usable))
        unit, lo, hi, _ = PARAMETERS[key]
        return _Target(path, "material", i, key, lo, hi, unit)
    if head == "operation" and len(parts) == 2 and parts[1] in _OPERATION_KEYS:
        key = parts[1]
        lo, hi, unit = LIMITS[key]
        return _Target(path, "operation", None, key, lo, hi, unit)
    if head == "die" and parts[1:] in (["diameter"], ["clearance"]):
        lo, hi, unit = LIMITS[path]
        return _Target(path, "die", None, parts[1], lo, hi, unit)
    if head == "friction" and len(parts) == 2 and parts[1] in _FRICTION:
        lo, hi, unit = _FRICTION[parts[1]]
        return _Target(path, "friction", None, parts[1], lo, hi, unit)
    raise InvalidInputError("variant path", path, "steps.<k>.pressure|hold|temperature, "
                            "layers.<i>.mass|thickness|cam_d50|se_d50, "
                            "materials.<layer>.<parameter>, operation.stack_pressure|temperature, die.diameter|clearance, "
                            "friction.mu|K")


def base_value(design: Design, mats, path: str) -> float:
    """The design's own value of a variant path (in the path's units)."""
    x = make_inputs(design, mats)
    t = resolve_path(design, mats, path)
    if t.kind == "step":
        return float(x[t.key][t.index])
    if t.kind == "material":
        return float(x["layers"][t.index][t.key])
    if t.kind == "layer":
        layer = design.layers[t.index]
        return float(layer.mass if t.key == "mass" else layer.thickness)
    if t.kind == "operation":
        return float(design.operation.stack_pressure if t.key == "stack_pressure" else design.operation.temperature)
    if t.kind == "die":
        return float(design.die.diameter)
    return float(x[t.key])


def _check_values(t: _Target, values: np.ndarray) -> None:
    bad = ~np.isfinite(values) | (values < t.low) | (values > t.high)
    if bad.any():
        k = int(np.argmax(bad))
        unit = f" {t.unit}" if t.unit else ""
        raise InvalidInputError(
            t.path, f"{values[k]:g}{unit} (variant {k}; {int(bad.sum())} of {values.size} values outside)",
            f"{t.low:g} to {t.high:g}{unit}")


def _prepare(design: Design, variants: dict, library: Library | None, validate: bool):
    lib = library or default_library()
    if validate:
        design.validate(lib)
    mats = [lib.for_layer(l) for l in design.layers]
    if not isinstance(variants, dict):
        raise InvalidInputError("variants", type(variants).__name__, "a dict of path -> array of values")
    targets, arrays, n = [], [], None
    for path, raw in variants.items():
        t = resolve_path(design, mats, path)
        try:
            a = np.asarray(raw, dtype=float)
        except (TypeError, ValueError):
            raise InvalidInputError(path, raw, "numbers") from None
        if a.ndim > 1:
            raise InvalidInputError(path, f"an array of shape {a.shape}", "a number or a 1-D array (one value per variant)")
        if a.ndim == 1:
            if n is None:
                n, first = a.size, path
            elif a.size != n:
                raise InvalidInputError(path, f"{a.size} values", f"{n} values, as many as {first} has")
        _check_values(t, np.atleast_1d(a))
        targets.append(t)
        arrays.append(a)
    n = 1 if n is None else n
    if not 1 <= n <= MAX_VARIANTS:
        raise InvalidInputError("variants", f"{n} variants", f"1 to {MAX_VARIANTS}")
    paths = [t.path for t in targets]
    dup = {p for p in paths if paths.count(p) > 1}
    if dup:
        raise InvalidInputError("variants", sorted(dup)[0], "each path once")
    for t in targets:
        if t.kind == "layer":
            other = "thickness" if t.key == "mass" else "mass"
            if any(u.kind == "layer" and u.index == t.index and u.key == other for u in targets):
                raise InvalidInputError(t.path, "both mass and thickness varied", "one of mass or thickness per layer")
    return lib, mats, targets, arrays, n


def _inputs(design, mats, targets, arrays, sl: slice):
    """Kernel inputs of the base design with the variant arrays (cut to the slice ``sl``) put in."""
    x = make_inputs(design, mats)
    x["layers"] = [dict(p) for p in x["layers"]]
    for key in ("pressure", "hold", "temperature"):
        x[key] = list(x[key])
    thickness, masses = {}, {}
    for t, a in zip(targets, arrays):
        v = a[sl] if a.ndim else float(a)
        if t.kind == "step":
            x[t.key][t.index] = v
        elif t.kind in ("material", "size"):
            x["layers"][t.index][t.key] = v
        elif t.kind == "layer" and t.key == "mass":
            x["layers"][t.index]["mass"] = masses[t.index] = v
        elif t.kind == "layer":
            thickness[t.index] = v
        elif t.kind == "operation":
            x["stack_pressure" if t.key == "stack_pressure" else "op_temperature"] = v
        elif t.kind == "die":
            x[t.key] = v
        elif t.kind == "friction":
            x[t.key] = v
    # layers given by thickness: the mass of that thickness at full density (as make_inputs does), with
    # each variant's die area and density
    area = np.pi * (np.asarray(x["diameter"]) / 20.0) ** 2
    for i, layer in enumerate(design.layers):
        mass_varied = any(t.kind == "layer" and t.index == i and t.key == "mass" for t in targets)
        if i in thickness or (layer.mass is None and not mass_varied):
            th = thickness.get(i, layer.thickness)
            x["layers"][i]["mass"] = th * 1e-4 * area * x["layers"][i]["density"] * 1e3
        elif layer.diameter is not None:  # a foil disc's weighed mass: its die-filling mass, as make_inputs does
            disc_mg = masses.get(i, layer.mass)
            x["layers"][i]["mass"] = disc_mg * (np.asarray(x["diameter"]) / layer.diameter) ** 2
    return x


# ---------------------------------------------------------------------------- result
@dataclass
class BatchResult:
    """Outcome numbers of n variants as arrays. 2-D arrays are (n, layers), (n, interfaces) or (n, risks)."""

    design: Design
    variants: dict
    shape: tuple
    layers: tuple            # layer names
    interfaces: tuple        # "lower|upper"
    risks: tuple             # (name, subject) in the order of simulate's kernel
    porosity: np.ndarray     # (n, layers), in the cell
    thickness: np.ndarray    # (n, layers), um, in the cell
    conductivity: np.ndarray  # (n, layers), mS/cm; nan for layers that do not conduct ions
    max_pressure: np.ndarray  # (n, layers), MPa, largest local pressure seen
    contact: np.ndarray      # (n, interfaces), contact fraction in the cell
    asr_interface: np.ndarray  # (n, interfaces), ohm cm2
    intermixing: np.ndarray  # (n, interfaces), um
    risk_scores: np.ndarray  # (n, risks), 0..1
    total_asr: np.ndarray    # (n,), ohm cm2
    total_resistance: np.ndarray  # (n,), ohm
    area: float | np.ndarray = field(default=0.0)
    r0: np.ndarray | None = None      # (n,), ohm: the circuit's series resistance (models.impedance)
    arc_r: np.ndarray | None = None   # (n, arcs), ohm: each interface arc's resistance
    arc_c: np.ndarray | None = None   # (n, arcs), F: each arc's capacitance
    blocking_ends: int = 0            # ends without an electrode (a blocking CPE in the spectrum)

    def __len__(self) -> int:
        return self.total_asr.shape[0]

    # -------------------------------------------------------------- selection
    def _col(self, names, name, what):
        if name not in names:
            raise InvalidInputError(what, name, ", ".join(names))
        return names.index(name)

    def layer_porosity(self, layer: str) -> np.ndarray:
        return self.porosity[:, self._col(self.layers, layer, "layer")]

    def risk(self, name: str, subject: str | None = None) -> np.ndarray:
        """Score of one risk; without ``subject`` the largest over every subject of that risk (0 if none applies)."""
        cols = [k for k, (nm, sj) in enumerate(self.risks) if nm == name and (subject is None or sj == subject)]
        if not cols:
            from .simulate import RISK_SOURCES

            if subject is None and name in RISK_SOURCES:  # a risk that does not apply to this design
                return np.zeros(len(self))
            raise InvalidInputError("risk", name if subject is None else f"{name} ({subject})",
                                    "; ".join(self.risk_labels))
        return self.risk_scores[:, cols].max(axis=1)

    @property
    def risk_labels(self) -> list[str]:
        return [f"{nm} ({sj})" for nm, sj in self.risks]

    @property
    def worst_risk(self) -> np.ndarray:
        """The largest risk score of each variant."""
        if not self.risks:
            return np.zeros(len(self))
        return self.risk_scores.max(axis=1)

    @property
    def worst_risk_label(self) -> np.ndarray:
        """The label of each variant's largest risk (object array of str)."""
        labels = np.array(self.risk_labels + ["none"], dtype=object)
        if not self.risks:
            return np.full(len(self), "none", dtype=object)
        return labels[np.argmax(self.risk_scores, axis=1)]

    def feasible(self, level: float) -> np.ndarray:
        """True where every risk is at most ``level``."""
        return self.worst_risk <= level

    def reshape(self, values: np.ndarray) -> np.ndarray:
        """A per-variant array as the grid it came from (``grid`` variants), else unchanged."""
        return np.asarray(values).reshape(self.shape + np.shape(values)[1:])

    def variant(self, k: int) -> dict:
        """The values of variant k, path -> float."""
        return {p: float(np.broadcast_to(a, (len(self),))[k]) for p, a in self.variants.items()}

    def apply(self, k: int) -> Design:
        """The base design with the step/layer/operation values of variant k (material and friction paths
        cannot be written into a Design: those stay in ``variant(k)``)."""
        return apply_variant(self.design, self.variant(k))

    # -------------------------------------------------------------- export
    def columns(self) -> dict:
        """Flat columns, one value per variant: inputs by path, then outputs."""
        n = len(self)
        cols = {p: np.broadcast_to(np.asarray(a, dtype=float), (n,)) for p, a in self.variants.items()}
        for j, name in enumerate(self.layers):
            cols[f"porosity[{name}]"] = self.porosity[:, j]
            cols[f"thickness_um[{name}]"] = self.thickness[:, j]
            cols[f"conductivity_mS_cm[{name}]"] = self.conductivity[:, j]
        for j, name in enumerate(self.interfaces):
            cols[f"contact[{name}]"] = self.contact[:, j]
            cols[f"asr_ohm_cm2[{name}]"] = self.asr_interface[:, j]
            cols[f"intermixing_um[{name}]"] = self.intermixing[:, j]
        for j, label in enumerate(self.risk_labels):
            cols[f"risk[{label}]"] = self.risk_scores[:, j]
        cols["worst_risk"] = self.worst_risk
        cols["total_asr_ohm_cm2"] = self.total_asr
        cols["total_resistance_ohm"] = self.total_resistance
        return cols

    def to_frame(self):
        """A pandas DataFrame of ``columns()`` (needs pandas, imported only here)."""
        try:
            import pandas as pd
        except ImportError:  # pragma: no cover - pandas is in the test extra
            raise ImportError("BatchResult.to_frame needs pandas: pip install pandas (or use .columns())") from None
        return pd.DataFrame(self.columns())


def apply_variant(design: Design, values: dict) -> Design:
    """A copy of ``design`` with path -> value written in (steps, layers, operation, die paths)."""
    d = design.copy()
    for path, v in values.items():
        parts = path.split(".")
        if parts[0] == "steps":
            setattr(d.steps[int(parts[1]) - 1], parts[2], float(v))
        elif parts[0] == "layers":
            layer = d.layers[_layer_index(d, parts[1], path)]
            if parts[2] in D50_FIELDS:
                setattr(layer, parts[2], float(v))
            else:
                layer.mass, layer.thickness = (float(v), None) if parts[2] == "mass" else (None, float(v))
        elif parts[0] == "operation":
            setattr(d.operation, parts[1], float(v))
        elif parts[0] == "die":
            setattr(d.die, parts[1], float(v))
    return d


# ---------------------------------------------------------------------------- engine
def simulate_many(design: Design, variants: dict | None = None, *, library: Library | None = None,
                  validate: bool = True, chunk: int = CHUNK) -> BatchResult:
    """Evaluate every variant of ``design`` at once; see the module docstring for the paths.

    ``variants`` maps paths to arrays of equal length n (a plain number applies to every variant).
    Raises InvalidInputError naming the path and the first bad value (with its variant index and how
    many are bad) before any physics runs.
    """
    lib, mats, targets, arrays, n = _prepare(design, variants or {}, library, validate)
    plan = make_plan(design, mats, lib)
    n_l, n_if = len(design.layers), len(design.layers) - 1
    out = None
    for start in range(0, n, max(int(chunk), 1)):
        sl = slice(start, min(start + chunk, n))
        m = sl.stop - sl.start
        x = _inputs(design, mats, targets, arrays, sl)
        r = run_kernel(plan, x, record_history=False)
        if out is None:
            risks = tuple((nm, sj) for nm, sj, _, _ in r["risks"])
            out = {"porosity": np.empty((n, n_l)), "thickness": np.empty((n, n_l)), "conductivity": np.empty((n, n_l)),
                   "max_pressure": np.empty((n, n_l)), "contact": np.empty((n, n_if)),
                   "asr_interface": np.empty((n, n_if)), "intermixing": np.empty((n, n_if)),
                   "risk_scores": np.empty((n, len(risks))), "total_asr": np.empty(n), "total_resistance": np.empty(n),
                   "r0": np.empty(n), "arc_r": np.empty((n, len(r["arcs"]))), "arc_c": np.empty((n, len(r["arcs"])))}
            area, blocking_ends = r["area"], int(r["blocking_ends"])
        elif tuple((nm, sj) for nm, sj, _, _ in r["risks"]) != risks:  # pragma: no cover - structure is fixed
            raise RuntimeError("the risks of a batch changed between chunks")
        for i in range(n_l):
            out["porosity"][sl, i] = 1.0 - np.broadcast_to(r["D_op"][i], (m,))
            out["thickness"][sl, i] = np.broadcast_to(r["thickness"][i], (m,))
            out["conductivity"][sl, i] = np.broadcast_to(r["sigma"][i], (m,))
            out["max_pressure"][sl, i] = np.broadcast_to(r["Pmax"][i], (m,))
        for j in range(n_if):
            out["contact"][sl, j] = np.broadcast_to(r["contact"][j], (m,))
            out["asr_interface"][sl, j] = np.broadcast_to(r["asr_interface"][j], (m,))
            out["intermixing"][sl, j] = np.broadcast_to(r["intermixing"][j], (m,))
        for k, (_, _, score, _) in enumerate(r["risks"]):
            out["risk_scores"][sl, k] = np.broadcast_to(score, (m,))
        out["r0"][sl] = np.broadcast_to(r["R0"], (m,))
        for k, (_, R, C) in enumerate(r["arcs"]):
            out["arc_r"][sl, k] = np.broadcast_to(R, (m,))
            out["arc_c"][sl, k] = np.broadcast_to(C, (m,))
        out["total_asr"][sl] = np.broadcast_to(r["ASR_total"], (m,))
        out["total_resistance"][sl] = np.broadcast_to(r["R_total"], (m,))
    shape = getattr(variants, "shape", None) if isinstance(variants, Variants) else None
    if shape is None or math.prod(shape) != n:
        shape = (n,)
    return BatchResult(design=design, variants={t.path: a for t, a in zip(targets, arrays)}, shape=tuple(shape),
                       layers=tuple(l.name for l in design.layers),
                       interfaces=tuple(f"{a.name}|{b.name}" for a, b in zip(design.layers, design.layers[1:])),
                       risks=risks, area=area, blocking_ends=blocking_ends, **out)
