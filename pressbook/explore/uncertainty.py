"""Uncertainty and reproducibility: Monte Carlo of material-parameter spread and press tolerances.

Sources of scatter (each one a group, so its share can be told apart):

* pressure: the pressure actually applied at each step, relative error normal with sd
  ``PRESSES[press]["pressure_rel_sd"]``: a manual hydraulic press read on a gauge several percent
  (5 %), an automatic press about 1 % (issue 5; estimates, truncated at 3 sd);
* hold: hold times, log-normal with sd ``hold_rel_sd`` (manual: timed by hand and the load relaxes
  during the hold, 25 %; automatic: 2 %; estimates);
* mass: weighed powder masses (and foil thickness), 1 % (estimate: balance and transfer losses);
* materials, conductivity: the bulk ionic conductivity of the SE powder. Ohno et al. 2020
  (doi:10.1021/acsenergylett.9b02764) found an inter-laboratory spread of about +-50 % for Li6PS5Cl
  pellets of the same powder; taken as a factor uniform in 0.5-1.5, shared by every layer that conducts
  through that SE (the same powder batch);
* materials, compaction: yield pressure (log-normal 10 %), Heckel intercept (+-0.05), compact modulus
  (log-normal 15 %) of each layer (estimates: batch-to-batch powder variation);
* materials, interfaces: intrinsic interface ASR (log-normal 30 %) and particle size (log-normal 30 %)
  (estimates).

Everything is seeded: the same seed gives the same numbers.

    >>> from pressbook import presets
    >>> from pressbook.explore.uncertainty import monte_carlo
    >>> mc = monte_carlo(presets.three_step(), press="manual", n=2000, seed=1)
    >>> mc.quantiles("total_asr")        # doctest: +SKIP
    >>> mc.most_important("total_asr")   # doctest: +SKIP
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..bands import UNCALIBRATED
from ..batch import BatchResult, base_value, resolve_path, simulate_many
from ..design import Design
from ..errors import InvalidInputError
from ..tolerances import GROUPS as TOLERANCE_GROUPS
from ..tolerances import PRESSES, press_draws

SE_CONDUCTIVITY_FACTOR = (0.5, 1.5)
COMPACTION = UNCALIBRATED  # the powder-to-powder spreads the bands give a material the posterior does not hold
INTERFACES = {"interface_asr": ("lognormal", 0.30), "particle_size": ("lognormal", 0.30)}
GROUPS = ("pressure", "hold", "mass", "conductivity", "compaction", "interfaces")
GROUP_WORDS = {"pressure": "press pressure error", "hold": "uneven hold times", "mass": "weighing error",
               "conductivity": "SE conductivity (inter-lab spread)", "compaction": "powder compaction parameters",
               "interfaces": "interface ASR and particle size"}
QUANTILES = (5, 25, 50, 75, 95)


def _draws(design: Design, mats, press: str, groups, n: int, seed: int, nominal: dict | None = None) -> dict:
    """path -> array of n values: the design's values (or ``nominal`` arrays) with the groups' scatter (the press
    groups from pressbook.tolerances, the same draws as the bands' press tolerances)."""
    nominal = nominal or {}
    out = press_draws(design, mats, press, n, seed, groups=[g for g in groups if g in TOLERANCE_GROUPS],
                      nominal=nominal)

    def nom(path):
        return np.asarray(nominal[path], dtype=float) if path in nominal else np.full(n, base_value(design, mats, path))

    def put(path, values):
        t = resolve_path(design, mats, path)
        out[path] = np.clip(values, t.low, t.high)

    # one generator per group, so switching a group on or off does not change the others' draws
    streams = {g: np.random.default_rng([seed, i]) for i, g in enumerate(GROUPS)}
    if "conductivity" in groups:
        factor = streams["conductivity"].uniform(*SE_CONDUCTIVITY_FACTOR, n)  # shared: one SE powder
        for layer, m in zip(design.layers, mats):
            if "ionic_conductivity" in m.params:
                path = f"materials.{layer.name}.ionic_conductivity"
                put(path, nom(path) * factor)
    for group, table in (("compaction", COMPACTION), ("interfaces", INTERFACES)):
        if group not in groups:
            continue
        for layer, m in zip(design.layers, mats):
            for key, (kind, s) in table.items():
                if key not in m.params:
                    continue
                path = f"materials.{layer.name}.{key}"
                e = np.clip(streams[group].standard_normal(n), -3, 3)
                put(path, nom(path) * np.exp(s * e) if kind == "lognormal" else nom(path) + s * e)
    for path, v in nominal.items():
        if path not in out:
            out[path] = np.asarray(v, dtype=float)
    return out


def _output(r: BatchResult, name: str) -> np.ndarray:
    if name == "total_asr":
        return r.total_asr
    if name == "worst_risk":
        return r.worst_risk
    kind, _, what = name.partition(": ")
    if kind == "porosity":
        return r.porosity[:, r.layers.index(what)] if what in r.layers else _bad(r, name)
    if kind == "conductivity":
        return r.conductivity[:, r.layers.index(what)] if what in r.layers else _bad(r, name)
    if kind == "risk":
        return r.risk_scores[:, r.risk_labels.index(what)] if what in r.risk_labels else _bad(r, name)
    return _bad(r, name)


def _bad(r, name):
    names = (["total_asr", "worst_risk"] + [f"porosity: {x}" for x in r.layers] +
             [f"conductivity: {x}" for x in r.layers] + [f"risk: {x}" for x in r.risk_labels])
    raise InvalidInputError("output", name, ", ".join(names))


def spread(values: np.ndarray) -> float:
    """Width of the central 90 % (5th to 95th percentile), ignoring non-finite values."""
    v = values[np.isfinite(values)]
    return float(np.percentile(v, 95) - np.percentile(v, 5)) if v.size else float("nan")


@dataclass
class MonteCarlo:
    design: Design
    press: str
    groups: tuple
    n: int
    seed: int
    samples: dict            # path -> values drawn
    batch: BatchResult
    nominal: BatchResult     # the design without scatter
    contributions: list = field(default_factory=list)  # per group: spreads with only that group on

    def values(self, output: str = "total_asr") -> np.ndarray:
        return _output(self.batch, output)

    def quantiles(self, output: str = "total_asr", q=QUANTILES) -> dict:
        v = self.values(output)
        v = v[np.isfinite(v)]
        return {int(p): float(np.percentile(v, p)) for p in q}

    def histogram(self, output: str = "total_asr", bins: int = 40):
        """(counts, edges) of the finite values."""
        v = self.values(output)
        return np.histogram(v[np.isfinite(v)], bins=bins)

    def probability_above(self, level: float = 0.33) -> dict:
        """Fraction of samples in which each risk (and the worst) exceeds ``level``."""
        out = {"worst risk": float(np.mean(self.batch.worst_risk > level))}
        for c, lab in enumerate(self.batch.risk_labels):
            out[lab] = float(np.mean(self.batch.risk_scores[:, c] > level))
        return out

    def most_important(self, output: str = "total_asr") -> str | None:
        """The source group whose scatter alone spreads ``output`` most (None without contributions)."""
        rows = [c for c in self.contributions if output in c["spread"]]
        if not rows:
            return None
        return max(rows, key=lambda c: np.nan_to_num(c["spread"][output], nan=-1))["group"]

    def ranking(self, output: str = "total_asr") -> list[tuple[str, float]]:
        rows = [(c["group"], c["spread"][output]) for c in self.contributions if output in c["spread"]]
        return sorted(rows, key=lambda t: -np.nan_to_num(t[1], nan=-1))

    def summary(self, level: float = 0.33) -> str:
        q = self.quantiles("total_asr")
        lines = [f"Monte Carlo of '{self.design.title}', {self.n} samples, {self.press} press "
                 f"({PRESSES[self.press]['note']}), seed {self.seed}",
                 f"total ASR: median {q[50]:.4g} ohm cm2, 90 % of samples in {q[5]:.4g}-{q[95]:.4g} ohm cm2 "
                 f"(without scatter {float(self.nominal.total_asr[0]):.4g} ohm cm2)"]
        for name in self.batch.layers:
            qp = self.quantiles(f"porosity: {name}")
            lines.append(f"porosity of {name}: {100 * qp[5]:.1f}-{100 * qp[95]:.1f} % (median {100 * qp[50]:.1f} %)")
        p = self.probability_above(level)
        risky = {k: v for k, v in p.items() if v > 0 and k != "worst risk"}
        lines.append(f"some risk above {level:g} in {100 * p['worst risk']:.1f} % of samples" +
                     (": " + ", ".join(f"{k} {100 * v:.1f} %" for k, v in sorted(risky.items(), key=lambda t: -t[1])[:4])
                      if risky else ""))
        if self.contributions:
            for out, what, unit in (("total_asr", "total ASR", " ohm cm2"), ("worst_risk", "worst risk", "")):
                rank = self.ranking(out)
                lines.append(f"{what} spread (5-95 %) by source alone" + (" (score 0-1)" if not unit else "") + ": " +
                             ", ".join(f"{GROUP_WORDS[g]} {s:.3g}{unit}" for g, s in rank))
            lines.append(f"matters most for the total ASR: {GROUP_WORDS[self.most_important('total_asr')]}; "
                         f"for the risks: {GROUP_WORDS[self.most_important('worst_risk')]}")
        return "\n".join(lines)


def monte_carlo(design: Design, *, press: str = "manual", groups=GROUPS, n: int = 4000, seed: int = 0,
                attribute: bool = True, library=None) -> MonteCarlo:
    """Propagate the chosen sources of scatter (``groups``, see the module docstring) through the model.

    With ``attribute`` each group is also run alone (same seed, its own random stream) to tell which
    tolerance matters most: ``contributions``, ``ranking()``, ``most_important()``.
    """
    from ..materials import default_library

    groups = tuple(groups)
    bad = [g for g in groups if g not in GROUPS]
    if bad:
        raise InvalidInputError("groups", bad[0], ", ".join(GROUPS))
    if not 10 <= int(n) <= 5_000_000:
        raise InvalidInputError("n", n, "10 to 5000000 samples")
    lib = library or default_library()
    design.validate(lib)
    mats = [lib.for_layer(l) for l in design.layers]
    samples = _draws(design, mats, press, groups, int(n), seed)
    r = simulate_many(design, samples, library=lib, validate=False)
    nominal = simulate_many(design, {}, library=lib, validate=False)
    contributions = []
    if attribute:
        outputs = ["total_asr", "worst_risk"] + [f"risk: {x}" for x in r.risk_labels] + \
                  [f"porosity: {x}" for x in r.layers]
        for g in groups:
            if g in ("pressure", "hold") and PRESSES[press][f"{g}_rel_sd"] == 0:
                continue
            rg = simulate_many(design, _draws(design, mats, press, (g,), int(n), seed), library=lib, validate=False)
            contributions.append({"group": g, "words": GROUP_WORDS[g],
                                  "spread": {o: spread(_output(rg, o)) for o in outputs}})
    return MonteCarlo(design=design, press=press, groups=groups, n=int(n), seed=seed, samples=samples, batch=r,
                      nominal=nominal, contributions=contributions)


def compare_presses(design: Design, *, presses=("manual", "automatic"), n: int = 4000, seed: int = 0,
                    library=None) -> dict:
    """press -> MonteCarlo with the press tolerances only (no material spread): the reproducibility a lab
    gets from its press."""
    return {p: monte_carlo(design, press=p, groups=("pressure", "hold", "mass"), n=n, seed=seed, library=library)
            for p in presses}


def band(design: Design, path: str, values, *, press: str = "manual", groups=GROUPS, n: int = 500, seed: int = 0,
         outputs=("total_asr", "worst_risk"), q=QUANTILES, library=None) -> dict:
    """Quantile bands of outputs against a nominal input (e.g. the cathode step pressure): for each nominal
    value, ``n`` scattered samples. Returns {"values": x, output: {quantile: array}}."""
    from ..materials import default_library

    lib = library or default_library()
    design.validate(lib)
    mats = [lib.for_layer(l) for l in design.layers]
    resolve_path(design, mats, path)
    x = np.asarray(values, dtype=float)
    if x.ndim != 1 or x.size == 0:
        raise InvalidInputError(path, values, "a list of nominal values")
    nominal = {path: np.repeat(x, n)}
    draws = _draws(design, mats, press, tuple(groups), x.size * n, seed, nominal=nominal)
    r = simulate_many(design, draws, library=lib, validate=False)
    out = {"values": x}
    for o in outputs:
        v = _output(r, o).reshape(x.size, n)
        out[o] = {int(p): np.nanpercentile(np.where(np.isfinite(v), v, np.nan), p, axis=1) for p in q}
    return out
