"""How sure is the model? The predict-observe-explain part of the compaction explorer (issue 24, item 6).

Another laboratory measured a conductivity; is it inside the model's 90 % band for "a new laboratory"
(pressbook.bands)? The answer and every number in the words come from the bands, never typed in. The band narrows
once a laboratory has measured pellets of its own (the pellet log's Bayesian update,
pressbook.lab.lablog.stats.laboratory_update).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

from .. import bands as B
from ..design import Design, Die, Layer, Operation, Step
from ..errors import InvalidInputError
from ..simulate import simulate
from .text import num

#: Most pellets of its own a laboratory can have measured on the page's slider.
MAX_OWN_PELLETS = 20


@dataclass(frozen=True)
class Measurement:
    """A conductivity measured in another laboratory, with what its paper states (and does not) of the pellet."""

    who: str
    doi: str
    material: str
    conductivity: float          # mS/cm, measured at room temperature
    stack: float                 # MPa, stack pressure during the measurement (stated)
    forming_range: tuple         # MPa, (low, high): the forming pressure is not stated, drawn over this range
    die: float = 10.0            # mm
    mass: float = 100.0          # mg

    @property
    def forming(self) -> float:
        """The forming pressure of the nominal prediction (MPa): the middle of the unstated range."""
        return 0.5 * (self.forming_range[0] + self.forming_range[1])


#: Minnmann et al. 2021 (Giessen): a Li6PS5Cl (NEI) pellet, 1.6 mS/cm under ~40 MPa stack, forming pressure not
#: given (tests/validation/data/conductivity_vs_pressure.csv; the same range as tests/validation/cases.py).
MINNMANN_2021 = Measurement("Minnmann et al. 2021 (Giessen)", "10.1149/1945-7111/abf8d7", "Li6PS5Cl", 1.6, 40.0,
                            (150.0, 500.0))


def design(m: Measurement = MINNMANN_2021) -> Design:
    """The measured pellet as a design (one separator layer, the nominal forming pressure)."""
    return Design(title=f"{m.who}: {m.material} pellet", die=Die(diameter=m.die),
                  layers=[Layer(name="pellet", role="separator", material=m.material, mass=m.mass)],
                  steps=[Step(add=["pellet"], pressure=m.forming, hold=60.0)],
                  operation=Operation(stack_pressure=m.stack))


def predicted(m: Measurement = MINNMANN_2021) -> float:
    """The model's nominal conductivity of the pellet (mS/cm), the library's values."""
    return float(simulate(design(m)).layer("pellet").ionic_conductivity)


def band(m: Measurement = MINNMANN_2021, laboratory: B.Laboratory = B.Laboratory()) -> tuple:
    """(low, high) mS/cm, the 5-95 % band of the pellet's conductivity for ``laboratory``; the unstated forming
    pressure drawn over its range."""
    return _band(m, laboratory)


@lru_cache(maxsize=64)
def _band(m: Measurement, laboratory: B.Laboratory) -> tuple:
    b = B.bands(design(m), laboratory=laboratory, conditions={"steps.1.pressure": m.forming_range})
    lo, hi = b.get("ionic_conductivity", "pellet")
    return float(lo), float(hi)


def own_laboratory(n_pellets: int, m: Measurement = MINNMANN_2021) -> B.Laboratory:
    """The laboratory of ``m`` after measuring ``n_pellets`` pellets of its own at the level it measured (the
    Bayesian update of the pellet log, for its next pellet); ``n_pellets`` = 0: a new laboratory."""
    if isinstance(n_pellets, bool) or not isinstance(n_pellets, int) or not 0 <= n_pellets <= MAX_OWN_PELLETS:
        raise InvalidInputError("pellets measured", n_pellets, f"a whole number 0-{MAX_OWN_PELLETS}")
    if n_pellets == 0:
        return B.Laboratory()
    from ..lab.lablog.stats import laboratory_update  # noqa: PLC0415

    pred = predicted(m)
    table = {"pred_conductivity_mS_cm": [pred] * n_pellets, "conductivity_mS_cm": [m.conductivity] * n_pellets,
             "conductivity_temperature_C": [25.0] * n_pellets, "lot": ["A"] * n_pellets}
    return laboratory_update(table, name=m.who)


def where(value: float, low_high: tuple) -> str:
    """"below", "inside" or "above" the band (its ends count as inside)."""
    lo, hi = low_high
    return "below" if value < lo else "above" if value > hi else "inside"


def q_band_predict(m: Measurement = MINNMANN_2021):
    """Is a conductivity measured in another laboratory inside the model's 90 % band? Judged from the bands."""
    from .questions import Question  # noqa: PLC0415

    def judge():
        lo, hi = band(m)
        answer = where(m.conductivity, (lo, hi))
        why = (f"for a {m.material} pellet measured under {m.stack:g} MPa stack the model predicts "
               f"{num(predicted(m), '.2f', 'mS/cm')}, 90 % band for a new laboratory "
               f"{lo:.2f}-{hi:.2f} mS/cm (the unstated forming pressure drawn over "
               f"{m.forming_range[0]:g}-{m.forming_range[1]:g} MPa); {m.who} measured "
               f"{num(m.conductivity, '.2f', 'mS/cm')}: {_place(answer)}.")
        return answer, why

    return Question(
        prompt=f"{m.who} measured {m.conductivity:g} mS/cm on a {m.material} pellet under {m.stack:g} MPa stack "
               "pressure. The model gives a 90 % band for a pellet pressed in a new laboratory. Their value is …",
        choices=[("inside", "inside the band: the model expected it"),
                 ("below", "below the band: lower than the model thinks possible"),
                 ("above", "above the band: higher than the model thinks possible")],
        judge=judge)


def _place(answer: str) -> str:
    return {"inside": "inside the band", "below": "below the band", "above": "above the band"}[answer]


def explain_band(n_pellets: int, m: Measurement = MINNMANN_2021) -> str:
    """Why laboratories differ and how a laboratory's own pellets narrow the band, with the model's numbers (HTML)."""
    post = B.posterior()
    lab_sd, model_sd = post["lab_sd_ln"], post["model_sd_ln"]
    lo, hi = band(m)
    text = (f"<p>The same powder measured in different laboratories conducts differently: in the interlaboratory "
            f"study of Ohno et al. 2020 (doi:10.1021/acsenergylett.9b02764) the same thiophosphate samples gave "
            f"conductivities tens of percent to several-fold apart, from how each laboratory pressed and measured "
            f"its pellets (pressure, electrodes, temperature, how the spectrum was read). The model does not "
            f"know which laboratory you are, so its band for a new laboratory holds that scatter (a factor "
            f"e<sup>±{lab_sd:g}</sup> ≈ ×{_factor(lab_sd)} for one standard deviation, from its calibration), the "
            f"model's own error (e<sup>±{model_sd:g}</sup>), the uncertainty of its calibrated constants, and what "
            f"the paper does not say (here the forming pressure, {m.forming_range[0]:g}-{m.forming_range[1]:g} MPa). "
            f"For this pellet: {lo:.2f}-{hi:.2f} mS/cm, {hi / lo:.1f}-fold wide; {m.who} measured "
            f"{m.conductivity:g} mS/cm, {_place(where(m.conductivity, (lo, hi)))}. A value inside the band "
            f"does not prove the model right, and one outside it is one of the 10 % the band allows to fall outside "
            f"or a sign that the model misses something.</p>")
    if n_pellets > 0:
        lab = own_laboratory(n_pellets, m)
        lo2, hi2 = band(m, lab)
        text += (f"<p>Once a laboratory has measured pellets of its own, the model knows its level: after "
                 f"{n_pellets} pellet{'s' if n_pellets != 1 else ''} like this one, the band for its next pellet is "
                 f"{lo2:.2f}-{hi2:.2f} mS/cm ({hi2 / lo2:.1f}-fold, from {hi / lo:.1f}-fold). It does not shrink to "
                 f"a point: a new lot of powder, the model's own error, its constants and the unstated forming "
                 f"pressure remain. The pellet log does this with your "
                 f"own pellets.</p>")
    else:
        text += ("<p>Move the slider of pellets measured: once a laboratory has measured pellets of its own, the "
                 "model knows its level and the band for its next pellet narrows.</p>")
    return text


def _factor(sd: float) -> str:
    return f"{math.exp(sd):.2f}"
