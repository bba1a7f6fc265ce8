"""Sensitivity: a tornado of which inputs move the total ASR and each risk most.

One at a time, each input is set to its value times (1 - rel) and (1 + rel) (clipped to its allowed
range) with everything else at the design's values; all 2k + 1 variants run in one ``simulate_many``
call. Inputs: each step's pressure and hold, each layer's mass (or thickness), key material
parameters of each layer, the stack pressure and the die-wall friction.

    >>> from pressbook import presets
    >>> from pressbook.explore.sensitivity import tornado
    >>> t = tornado(presets.three_step())
    >>> t.table("total_asr")[0]["input"]      # the input that moves the ASR most  # doctest: +SKIP
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..batch import base_value, resolve_path, simulate_many
from ..design import Design
from ..errors import InvalidInputError

#: Material parameters varied by default, where a layer has them.
MATERIAL_KEYS = ("yield_pressure", "heckel_intercept", "compact_modulus", "ionic_conductivity", "particle_size",
                 "interface_asr", "yield_strength")
LABELS = {"yield_pressure": "yield pressure", "heckel_intercept": "Heckel intercept", "compact_modulus":
          "compact modulus", "ionic_conductivity": "bulk ionic conductivity", "particle_size": "particle size",
          "interface_asr": "interface ASR", "yield_strength": "yield strength"}


def default_inputs(design: Design, library=None) -> list[str]:
    """The paths a tornado perturbs by default."""
    from ..materials import default_library

    lib = library or default_library()
    mats = [lib.for_layer(l) for l in design.layers]
    paths = []
    for k, step in enumerate(design.steps, start=1):
        paths.append(f"steps.{k}.pressure")
        if step.hold > 0:
            paths.append(f"steps.{k}.hold")
    for layer in design.layers:
        paths.append(f"layers.{layer.name}.{'mass' if layer.mass is not None else 'thickness'}")
    for layer, m in zip(design.layers, mats):
        for key in MATERIAL_KEYS:
            if key in m.params:
                paths.append(f"materials.{layer.name}.{key}")
    if design.operation.stack_pressure > 0:
        paths.append("operation.stack_pressure")
    paths.append("friction.mu")
    return paths


def label(design: Design, path: str) -> str:
    """Words for a path: 'step 2 pressure (cathode)', 'separator yield pressure', ..."""
    parts = path.split(".")
    if parts[0] == "steps":
        return f"step {parts[1]} {parts[2]} ({'+'.join(design.steps[int(parts[1]) - 1].add)})"
    if parts[0] == "layers":
        return f"{parts[1]} {parts[2]}"
    if parts[0] == "materials":
        return f"{parts[1]} {LABELS.get(parts[2], parts[2].replace('_', ' '))}"
    if parts[0] == "operation":
        return parts[1].replace("_", " ")
    if parts[0] == "friction":
        return f"die-wall friction {parts[1]}"
    return path


@dataclass
class Tornado:
    design: Design
    rel: float
    inputs: list            # paths
    labels: list            # words
    base: dict              # path -> base value
    low: dict               # path -> value used for "low"
    high: dict              # path -> value used for "high"
    outputs: dict           # output name -> (base value, low array (k,), high array (k,))
    output_names: list = field(default_factory=list)

    def table(self, output: str = "total_asr") -> list[dict]:
        """Rows sorted by swing (largest |change| first): input, label, low/high values, change at low/high."""
        if output not in self.outputs:
            raise InvalidInputError("output", output, ", ".join(self.outputs))
        b, lo, hi = self.outputs[output]
        d_lo, d_hi = lo - b, hi - b
        with np.errstate(invalid="ignore"):
            swing = np.nan_to_num(np.maximum(np.abs(d_lo), np.abs(d_hi)), nan=np.inf)
        order = np.argsort(-swing, kind="stable")
        return [{"input": self.inputs[i], "label": self.labels[i], "low_value": self.low[self.inputs[i]],
                 "high_value": self.high[self.inputs[i]], "base": float(b), "at_low": float(lo[i]),
                 "at_high": float(hi[i]), "change_low": float(d_lo[i]), "change_high": float(d_hi[i]),
                 "swing": float(swing[i])} for i in order]

    def ranking(self, output: str = "total_asr", top: int | None = None) -> list[str]:
        return [r["input"] for r in self.table(output)[:top]]

    def summary(self, top: int = 3) -> str:
        lines = [f"tornado of '{self.design.title}', each input at -{100 * self.rel:g} % / +{100 * self.rel:g} %:"]
        for out in self.output_names:
            rows = [r for r in self.table(out)[:top] if r["swing"] > 1e-6]
            if not rows:
                lines.append(f"  {out}: no input moves it")
                continue
            lines.append(f"  {out} (base {rows[0]['base']:.4g}): " + "; ".join(
                f"{r['label']} {r['change_low']:+.3g} / {r['change_high']:+.3g}" for r in rows))
        return "\n".join(lines)


def tornado(design: Design, *, rel: float = 0.1, inputs=None, library=None) -> Tornado:
    """One-at-a-time +-rel perturbation of each input; effects on total ASR, worst risk, each risk and each
    layer's porosity."""
    from ..materials import default_library

    if not 0 < rel < 1:
        raise InvalidInputError("rel", rel, "a fraction between 0 and 1 (0.1 = +-10 %)")
    lib = library or default_library()
    design.validate(lib)
    mats = [lib.for_layer(l) for l in design.layers]
    paths = list(inputs) if inputs is not None else default_inputs(design, lib)
    if not paths:
        raise InvalidInputError("inputs", [], "at least one path")
    k = len(paths)
    base, low, high, arrays = {}, {}, {}, {}
    for i, p in enumerate(paths):
        t = resolve_path(design, mats, p)
        b = base_value(design, mats, p)
        lo, hi = float(np.clip(b * (1 - rel), t.low, t.high)), float(np.clip(b * (1 + rel), t.low, t.high))
        base[p], low[p], high[p] = b, lo, hi
        a = np.full(2 * k + 1, b)
        a[1 + 2 * i], a[2 + 2 * i] = lo, hi
        arrays[p] = a
    r = simulate_many(design, arrays, library=lib, validate=False)

    def split(values):
        values = np.asarray(values)
        return float(values[0]), values[1::2].copy(), values[2::2].copy()

    outputs = {"total_asr": split(r.total_asr), "worst_risk": split(r.worst_risk)}
    for c, lab in enumerate(r.risk_labels):
        outputs[f"risk: {lab}"] = split(r.risk_scores[:, c])
    for j, name in enumerate(r.layers):
        outputs[f"porosity: {name}"] = split(r.porosity[:, j])
    return Tornado(design=design, rel=float(rel), inputs=paths, labels=[label(design, p) for p in paths], base=base,
                   low=low, high=high, outputs=outputs, output_names=list(outputs))
