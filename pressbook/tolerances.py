"""Press tolerances: how far a real press and balance stray from the design's numbers.

A pressure read on a gauge, a hold timed by hand and a weighed powder each scatter about their set values; the
press-tolerance Monte Carlo (``explore.uncertainty``) and the bands (``bands``, when asked for a press) draw them
the same way, from here:

- step pressure: P (1 + s_P e), e ~ N(0, 1) clipped to +-3 (s_P per press below);
- hold: t exp(s_t e) (log-normal: a hold is never negative);
- each layer's mass (or thickness): m (1 + 0.01 e).

Tolerances are estimates from common practice (a manual press's analogue gauge reads to a few percent of full scale;
an automatic press regulates to about 1 %; an analytical balance with powder losses about 1 %), not measurements.
"""
from __future__ import annotations

import numpy as np

from .batch import base_value, resolve_path
from .design import Design
from .errors import InvalidInputError

PRESSES = {
    "manual": {"pressure_rel_sd": 0.05, "hold_rel_sd": 0.25,
               "note": "manual hydraulic press read on a gauge: several % pressure error, holds timed by hand"},
    "automatic": {"pressure_rel_sd": 0.01, "hold_rel_sd": 0.02,
                  "note": "automatic press: about 1 % pressure error, programmed holds"},
    "none": {"pressure_rel_sd": 0.0, "hold_rel_sd": 0.0, "note": "exact pressures and holds"},
}
#: Relative sd of a weighed layer's mass (estimate, see the module docstring).
MASS_REL_SD = 0.01
#: The groups drawn here, in the order of their random streams (explore.uncertainty.GROUPS starts with them).
GROUPS = ("pressure", "hold", "mass")


def check_press(press: str) -> dict:
    """The tolerances of ``press`` (a key of PRESSES), or InvalidInputError naming the allowed presses."""
    if press not in PRESSES:
        raise InvalidInputError("press", press, ", ".join(PRESSES))
    return PRESSES[press]


def press_draws(design: Design, mats, press: str, n: int, seed, groups=GROUPS, nominal: dict | None = None) -> dict:
    """path -> n values of every step's pressure and hold and every layer's mass (or thickness) of ``design`` as
    ``press`` would make them (the design's values, or the arrays in ``nominal``, with the scatter of the module
    docstring), clipped to each path's allowed range. One random stream per group (``[seed, index in GROUPS]``), so
    switching a group off does not change the others' draws."""
    tol = check_press(press)
    nominal = nominal or {}
    streams = {g: np.random.default_rng([*np.atleast_1d(seed).tolist(), i]) for i, g in enumerate(GROUPS)}
    out = {}

    def nom(path):
        return np.asarray(nominal[path], dtype=float) if path in nominal else np.full(n, base_value(design, mats, path))

    def put(path, values):
        t = resolve_path(design, mats, path)
        out[path] = np.clip(values, t.low, t.high)

    def e(group):
        return np.clip(streams[group].standard_normal(n), -3, 3)

    for k, _step in enumerate(design.steps, start=1):
        if "pressure" in groups and tol["pressure_rel_sd"] > 0:
            put(f"steps.{k}.pressure", nom(f"steps.{k}.pressure") * (1 + tol["pressure_rel_sd"] * e("pressure")))
        if "hold" in groups and tol["hold_rel_sd"] > 0:
            put(f"steps.{k}.hold", nom(f"steps.{k}.hold") * np.exp(tol["hold_rel_sd"] * e("hold")))
    if "mass" in groups:
        for layer in design.layers:
            path = f"layers.{layer.name}.{'mass' if layer.mass is not None else 'thickness'}"
            put(path, nom(path) * (1 + MASS_REL_SD * e("mass")))
    return out


__all__ = ["GROUPS", "MASS_REL_SD", "PRESSES", "check_press", "press_draws"]
