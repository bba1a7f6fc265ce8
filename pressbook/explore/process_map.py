"""Process map: total ASR, porosity and every risk over two step pressures, with the feasible window.

    >>> from pressbook import presets
    >>> from pressbook.explore.process_map import process_map
    >>> m = process_map(presets.three_step(), n=31)
    >>> m.total_asr.shape        # (len(m.y), len(m.x)): rows follow the y axis
    (31, 31)
    >>> m.best["total_asr"]       # lowest total ASR inside the feasible window  # doctest: +SKIP

By default x is the pressure of the step that pre-compacts the separator (SE) and y the pressure of the
step that bonds the cathode onto it. The feasible window is where every risk is at most ``level``.
The procedure's recommended ranges (SE 250-300 MPa, cathode 360-500 MPa) come with the map as
metadata, so a view can draw them on top.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..batch import BatchResult, grid, simulate_many
from ..design import Design
from ..errors import InvalidInputError
from .optimise import path_unit, settable

#: The recommended pressure ranges of the multi-step procedure, by the role of the step they apply to.
RECOMMENDED = {
    "separator": {"range": (250.0, 300.0), "label": "recommended SE pre-compaction 250-300 MPa",
                  "source": "the three-step procedure (pressbook preset 'three-step'); SE pre-compaction "
                            "below the cathode bonding pressure"},
    "cathode": {"range": (360.0, 500.0), "label": "recommended cathode bonding 360-500 MPa",
                "source": "the three-step procedure; 360-500 MPa is the typical fabrication range of "
                          "Zhang et al. 2025 (doi:10.1002/adma.202413499), Table 1"},
}
DEFAULT_RANGE = (50.0, 800.0)


def step_of(design: Design, role: str) -> int | None:
    """1-based index of the first step that adds a layer of ``role`` (None if no such step)."""
    roles = {l.name: l.role for l in design.layers}
    for k, step in enumerate(design.steps, start=1):
        if any(roles.get(a) == role for a in step.add):
            return k
    return None


def recommended_ranges(design: Design) -> dict:
    """path -> {range, label, source} for the step pressures the procedure gives ranges for."""
    out = {}
    for role, rec in RECOMMENDED.items():
        k = step_of(design, role)
        if k is not None and f"steps.{k}.pressure" not in out:
            out[f"steps.{k}.pressure"] = dict(rec, role=role)
    return out


@dataclass
class ProcessMap:
    design: Design
    x_path: str
    y_path: str
    x: np.ndarray                  # axis values (MPa for pressures)
    y: np.ndarray
    level: float                   # risk level of the feasible window
    total_asr: np.ndarray          # (ny, nx), ohm cm2
    porosity: dict                 # layer name -> (ny, nx)
    risks: dict                    # "risk (subject)" -> (ny, nx) score
    worst_risk: np.ndarray         # (ny, nx)
    worst_label: np.ndarray        # (ny, nx) object: the label of the largest risk
    feasible: np.ndarray           # (ny, nx) bool: every risk <= level
    recommended: dict              # path -> {range, label, source, role}
    batch: BatchResult = field(repr=False)
    fixed: dict = field(default_factory=dict)  # paths held at one value over the whole map
    library: object = field(default=None, repr=False)

    @property
    def best(self) -> dict | None:
        """The feasible point with the lowest total ASR (None if nothing is feasible), its two values as a person
        sets them (``optimise.settable``: a grid of 61 points from 50 to 800 MPa has 62.5 MPa, set as 62 MPa)
        with that procedure's own total ASR and risks; the grid point itself when rounding would leave the
        feasible window. ``variant()`` gives the values alone (for ``batch.apply_variant``)."""
        if not self.feasible.any():
            return None
        asr = np.where(self.feasible, self.total_asr, np.inf)
        i, j = np.unravel_index(np.argmin(asr), asr.shape)
        point = {self.x_path: float(self.x[j]), self.y_path: float(self.y[i])}
        out = dict(point, total_asr=float(self.total_asr[i, j]), worst_risk=float(self.worst_risk[i, j]),
                   worst_label=str(self.worst_label[i, j]))
        axes = {self.x_path: self.x, self.y_path: self.y}
        rounded = {p: settable(p, v, float(np.min(axes[p])), float(np.max(axes[p]))) for p, v in point.items()}
        if rounded == point:
            return out
        variants = {p: [v] for p, v in rounded.items()}
        variants.update({p: [v] for p, v in self.fixed.items()})
        r = simulate_many(self.design, variants, library=self.library)
        if r.worst_risk[0] > self.level or not np.isfinite(r.total_asr[0]):
            return out
        return dict(rounded, total_asr=float(r.total_asr[0]), worst_risk=float(r.worst_risk[0]),
                    worst_label=str(r.worst_risk_label[0]))

    def variant(self, point: dict | None) -> dict:
        """The design's changed values at a point such as ``best``: its two axes and the fixed paths."""
        return dict({p: float(v) for p, v in self.fixed.items()}, **{p: point[p] for p in (self.x_path, self.y_path)})

    @property
    def window(self) -> dict | None:
        """Bounding ranges of the feasible points along each axis (None if nothing is feasible)."""
        if not self.feasible.any():
            return None
        cols, rows = self.feasible.any(axis=0), self.feasible.any(axis=1)
        return {self.x_path: (float(self.x[cols].min()), float(self.x[cols].max())),
                self.y_path: (float(self.y[rows].min()), float(self.y[rows].max()))}

    def recommended_box_feasible(self) -> float | None:
        """Fraction of the map points inside the recommended box (both axes) that are feasible."""
        rx, ry = self.recommended.get(self.x_path), self.recommended.get(self.y_path)
        if rx is None or ry is None:
            return None
        inx = (self.x >= rx["range"][0]) & (self.x <= rx["range"][1])
        iny = (self.y >= ry["range"][0]) & (self.y <= ry["range"][1])
        box = np.outer(iny, inx)
        return float(self.feasible[box].mean()) if box.any() else None

    def limiting_risks(self) -> dict:
        """For the infeasible points: label -> fraction of them where that risk is the largest."""
        bad = ~self.feasible
        if not bad.any():
            return {}
        labels, counts = np.unique(self.worst_label[bad].astype(str), return_counts=True)
        order = np.argsort(-counts)
        return {str(labels[k]): float(counts[k] / bad.sum()) for k in order}

    def summary(self) -> str:
        lines = [f"process map of '{self.design.title}': {self.x_path} x {self.y_path}, "
                 f"{self.feasible.size} points, feasible where every risk <= {self.level:g}"]
        w, b = self.window, self.best
        if w is None:
            lines.append("no point of the map is feasible")
        else:
            ux, uy = path_unit(self.x_path), path_unit(self.y_path)
            lines.append(f"feasible: {100 * self.feasible.mean():.0f} % of the map; {self.x_path} "
                         f"{w[self.x_path][0]:g}-{w[self.x_path][1]:g} {ux}, {self.y_path} "
                         f"{w[self.y_path][0]:g}-{w[self.y_path][1]:g} {uy}")
            lines.append(f"lowest total ASR in the window: {b['total_asr']:.4g} ohm cm2 at {self.x_path} = "
                         f"{b[self.x_path]:g} {ux}, {self.y_path} = {b[self.y_path]:g} {uy} (largest risk there: "
                         f"{b['worst_label']}, {b['worst_risk']:.2f})")
        frac = self.recommended_box_feasible()
        if frac is not None:
            lines.append(f"recommended box feasible at {100 * frac:.0f} % of its points")
        lim = self.limiting_risks()
        if lim:
            lines.append("outside the window the largest risk is: " +
                         ", ".join(f"{k} ({100 * v:.0f} %)" for k, v in list(lim.items())[:4]))
        return "\n".join(lines)


def _axis(values, rng, n, path):
    if values is not None:
        a = np.asarray(values, dtype=float)
        if a.ndim != 1 or a.size < 2:
            raise InvalidInputError(path, f"{a.size} values", "at least two axis values")
        return a
    lo, hi = rng
    return np.linspace(lo, hi, int(n))


def process_map(design: Design, x: str | None = None, y: str | None = None, *, x_values=None, y_values=None,
                x_range=DEFAULT_RANGE, y_range=DEFAULT_RANGE, n: int = 61, level: float = 0.33,
                fixed: dict | None = None, library=None) -> ProcessMap:
    """Evaluate a design over a grid of two inputs (by default the SE and the cathode step pressures).

    x, y: variant paths (see pressbook.batch); x_values / y_values the axis values, or x_range / y_range
    with ``n`` points each; ``fixed``: other paths held at a value for the whole map (e.g. a hold time).
    """
    if not 0.0 <= level <= 1.0:
        raise InvalidInputError("level", level, "a risk score between 0 and 1")
    if not 2 <= int(n) <= 1001:
        raise InvalidInputError("n", n, "2 to 1001 points per axis")
    if x is None or y is None:
        ks, kc = step_of(design, "separator"), step_of(design, "cathode")
        if ks is None or kc is None or ks == kc:
            raise InvalidInputError("process map axes", "default", "two different steps for the separator and the "
                                    "cathode; this design needs x and y given (e.g. x='steps.1.pressure', y='steps.1.hold')")
        x = x or f"steps.{ks}.pressure"
        y = y or f"steps.{kc}.pressure"
    if x == y:
        raise InvalidInputError("process map axes", y, "two different paths")
    xs, ys = _axis(x_values, x_range, n, x), _axis(y_values, y_range, n, y)
    variants = grid({y: ys, x: xs})
    for path, v in (fixed or {}).items():
        variants[path] = np.full(variants.shape[0] * variants.shape[1], float(v))
    r = simulate_many(design, variants, library=library)
    risks = {label: r.reshape(r.risk_scores[:, k]) for k, label in enumerate(r.risk_labels)}
    worst = r.reshape(r.worst_risk)
    return ProcessMap(design=design, x_path=x, y_path=y, x=xs, y=ys, level=float(level),
                      total_asr=r.reshape(r.total_asr),
                      porosity={name: r.reshape(r.porosity[:, i]) for i, name in enumerate(r.layers)},
                      risks=risks, worst_risk=worst, worst_label=r.reshape(r.worst_risk_label),
                      feasible=worst <= level, recommended=recommended_ranges(design), batch=r,
                      fixed={p: float(v) for p, v in (fixed or {}).items()}, library=library)


def pessimistic_total_asr(m: ProcessMap, q: float = 95.0, every: int = 1) -> tuple:
    """The q-th percentile of the total ASR (ohm cm2) over the posterior's draws (``bands.variants``) at the map's
    points, every ``every``-th point of each axis (a coarse grid): (x, y, (len(y), len(x)) array). One
    ``simulate_many`` call over points x draws; at each point it equals ``bands.bands(point).quantile("total_asr",
    q)``."""
    from .. import bands  # noqa: PLC0415 - the posterior is loaded only when asked

    if not 50.0 <= q <= 100.0:
        raise InvalidInputError("quantile", q, "a percentile between 50 and 100")
    if not 1 <= int(every) <= max(len(m.x), len(m.y)):
        raise InvalidInputError("every", every, f"1 to {max(len(m.x), len(m.y))} map points")
    xs, ys = m.x[::int(every)], m.y[::int(every)]
    draws = bands.variants(m.design, m.library)
    n = len(next(iter(draws.values())))
    X, Y = np.meshgrid(xs, ys)
    points = X.size
    variants = {p: np.tile(v, points) for p, v in draws.items()}
    variants[m.x_path], variants[m.y_path] = np.repeat(X.ravel(), n), np.repeat(Y.ravel(), n)
    for p, v in m.fixed.items():
        variants[p] = np.full(points * n, v)
    r = simulate_many(m.design, variants, library=m.library, validate=False)
    return xs, ys, np.percentile(r.total_asr.reshape(points, n), q, axis=1).reshape(X.shape)
