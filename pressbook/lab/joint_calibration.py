"""One joint calibration: every fitted constant at once, on every dataset, each point with its stated conditions.

The engine is generic: a list of ``Param`` (a constant, or a *nuisance* for a condition its source does not
state), a list of ``Obs`` (one measured number, its dataset, its laboratory and its conditions, each condition a
number or the name of a nuisance parameter) and a ``predict(theta, obs) -> ln(value)`` function. It maximises
the log posterior::

    ln y_i = predict(theta, obs_i) + delta_lab(i) + e_i,   e_i ~ N(0, sd_i^2 + model_sd^2)
    delta_lab ~ N(0, lab_sd^2)                              (between-laboratory scatter, its own term)
    theta_j ~ N(mu_j, s_j^2) in its fitted space where a prior is given, flat within its bounds otherwise

with ``scipy.optimize.least_squares`` (trust-region reflective, bounds), and reports every parameter with its
standard error and the correlation matrix from the Gauss-Newton covariance (J^T J)^-1 at the optimum, and the
residuals per dataset. A parameter fitted in ln (``log=True``) reports its value and a relative standard error.

``pellet_ln_sigma`` and friends are the pellet measurement model: the same model functions the kernel uses
(pressbook.models: Heckel compaction, springback, the SE conduction law) applied to one pellet without die-wall
friction (a 1 mm pellet in a 10-13 mm die sees about 1.5 % less pressure at its middle; neglected), plus the
contact resistance of pressed blocking electrodes, which the measurement carries and the cell model does not.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import least_squares

from ..models import compaction as cp
from ..models import transport as tr

VERSION = "2026.12-v3"


@dataclass(frozen=True)
class Param:
    """One fitted number. ``log``: fitted as ln(value). ``prior``: (centre, sd) in the fitted space, or None (flat
    within [lo, hi]). ``why``: where the bounds and prior come from (a source, or "estimate: ...")."""

    name: str
    start: float
    lo: float
    hi: float
    log: bool = False
    prior: tuple | None = None
    nuisance: bool = False
    why: str = ""

    def to_space(self, v):
        return math.log(v) if self.log else v

    def from_space(self, u):
        return np.exp(u) if self.log else u


@dataclass(frozen=True)
class Obs:
    """One measured value (> 0) with its dataset, laboratory (its between-laboratory effect; "" for none: the
    effect stands for the scatter of conductivity between labs, not of densities), kind and conditions."""

    dataset: str
    lab: str
    kind: str
    value: float
    sd_ln: float
    cond: dict = field(default_factory=dict)


@dataclass
class JointFit:
    names: list
    values: dict
    se: dict            # standard error in the value's units (log params: value * se_ln)
    se_ln: dict         # for log params: the standard error of ln(value)
    corr: np.ndarray
    lab_effects: dict
    residuals: dict     # dataset -> {"n", "rms_ln", "max_abs_ln", "points": [(value, predicted), ...]}
    nuisance: list
    cost: float
    success: bool
    message: str
    settings: dict

    def correlation(self, a: str, b: str) -> float:
        return float(self.corr[self.names.index(a), self.names.index(b)])

    def to_json(self) -> dict:
        return {"version": VERSION, "settings": self.settings, "success": self.success, "message": self.message,
                "cost": self.cost,
                "parameters": {n: {"value": self.values[n], "se": self.se[n], "se_ln": self.se_ln.get(n),
                                   "nuisance": n in self.nuisance} for n in self.names},
                "correlations": {"names": self.names, "matrix": np.round(self.corr, 4).tolist()},
                "lab_effects": self.lab_effects, "residuals": self.residuals}

    def write(self, path) -> None:
        with open(path, "w", encoding="utf-8") as fh:
            json.dump(self.to_json(), fh, indent=1, sort_keys=False)
            fh.write("\n")


def resolve(cond_value, theta: dict) -> float:
    """A condition: a number, or the name of a (nuisance) parameter."""
    return theta[cond_value] if isinstance(cond_value, str) else float(cond_value)


class Problem:
    """The log posterior of the module docstring over the fitted vector u (constants and nuisances in their fitted
    space, then one effect per laboratory): ``residuals(u)`` (data, priors, lab effects, each divided by its sd) and
    ``log_prob(u) = -sum(residuals^2)/2`` (-inf outside the bounds). ``predict(theta, obs)`` returns ln of one
    prediction; ``predict_all(theta)``, when given, ln of every prediction at once (the same model, vectorised)."""

    def __init__(self, params, observations, predict, *, lab_sd=0.3, model_sd=0.0, predict_all=None):
        self.params, self.observations, self.lab_sd = list(params), list(observations), lab_sd
        self.labs = sorted({o.lab for o in observations if o.lab})
        self.n_p = len(self.params)
        self.lo = np.array([p.to_space(p.lo) for p in self.params] + [-5 * lab_sd] * len(self.labs))
        self.hi = np.array([p.to_space(p.hi) for p in self.params] + [5 * lab_sd] * len(self.labs))
        self.names = [p.name for p in self.params] + [f"lab:{lab}" for lab in self.labs]
        self.y = np.log(np.array([o.value for o in observations]))
        self.sd = np.sqrt(np.array([o.sd_ln for o in observations]) ** 2 + model_sd ** 2)
        self.lab_index = np.array([self.labs.index(o.lab) if o.lab else -1 for o in observations])
        self.priors = [(j, p.prior) for j, p in enumerate(self.params) if p.prior is not None]
        self._predict_all = predict_all or (lambda th: np.array([predict(th, o) for o in self.observations]))

    def start(self) -> np.ndarray:
        u0 = np.array([p.to_space(p.start) for p in self.params] + [0.0] * len(self.labs))
        return np.clip(u0, self.lo + 1e-9, self.hi - 1e-9)

    def theta(self, u) -> dict:
        return {p.name: p.from_space(u[j]) for j, p in enumerate(self.params)}

    def predictions(self, u) -> np.ndarray:
        """ln of every prediction with its laboratory's effect."""
        has_lab = self.lab_index >= 0
        return self._predict_all(self.theta(u)) + np.where(has_lab, u[self.n_p + self.lab_index], 0.0)

    def residuals(self, u) -> np.ndarray:
        r_data = (self.y - self.predictions(u)) / self.sd
        r_prior = [(u[j] - c) / s for j, (c, s) in self.priors]
        r_lab = u[self.n_p:] / self.lab_sd
        return np.concatenate([r_data, r_prior, r_lab])

    def log_prob_many(self, U) -> np.ndarray:
        """``log_prob`` of each row of U (walkers x dim) in one vectorised prediction (``predict_all`` must accept
        arrays of walkers)."""
        U = np.asarray(U, dtype=float)
        ok = np.all((U > self.lo) & (U < self.hi), axis=1)
        Uc = np.clip(U, self.lo + 1e-12, self.hi - 1e-12)
        th = {p.name: p.from_space(Uc[:, j]) for j, p in enumerate(self.params)}
        has_lab = self.lab_index >= 0
        pred = self._predict_all(th) + np.where(has_lab, Uc[:, self.n_p + self.lab_index], 0.0)
        chi = np.sum(((self.y - pred) / self.sd) ** 2, axis=1)
        for j, (c, s) in self.priors:
            chi = chi + ((Uc[:, j] - c) / s) ** 2
        chi = chi + np.sum((Uc[:, self.n_p:] / self.lab_sd) ** 2, axis=1)
        out = -0.5 * chi
        return np.where(ok & np.isfinite(out), out, -np.inf)

    def log_prob(self, u) -> float:
        u = np.asarray(u, dtype=float)
        if np.any(u <= self.lo) or np.any(u >= self.hi):
            return -np.inf
        r = self.residuals(u)
        return -0.5 * float(r @ r) if np.all(np.isfinite(r)) else -np.inf


def fit(params: list[Param], observations: list[Obs], predict, *, lab_sd: float = 0.3,
        model_sd: float = 0.0, predict_all=None) -> JointFit:
    """Maximise the log posterior (see the module docstring). ``predict(theta, obs)`` returns ln of the prediction."""
    pb = Problem(params, observations, predict, lab_sd=lab_sd, model_sd=model_sd, predict_all=predict_all)
    n_p, labs, y = pb.n_p, pb.labs, pb.y
    sol = least_squares(pb.residuals, pb.start(), bounds=(pb.lo, pb.hi), method="trf", x_scale="jac", max_nfev=4000)
    J = sol.jac
    cov = np.linalg.pinv(J.T @ J)
    sd_u = np.sqrt(np.clip(np.diag(cov), 0.0, None))
    with np.errstate(invalid="ignore", divide="ignore"):
        corr = cov / np.outer(sd_u, sd_u)
    corr = np.nan_to_num(corr)[:n_p, :n_p]
    th = pb.theta(sol.x)
    se, se_ln = {}, {}
    for j, p in enumerate(params):
        if p.log:
            se_ln[p.name] = float(sd_u[j])
            se[p.name] = float(th[p.name] * sd_u[j])
        else:
            se[p.name] = float(sd_u[j])
    pred = pb.predictions(sol.x)
    res: dict = {}
    for name in dict.fromkeys(o.dataset for o in observations):
        idx = [i for i, o in enumerate(observations) if o.dataset == name]
        d = y[idx] - pred[idx]
        res[name] = {"n": len(idx), "lab": observations[idx[0]].lab, "rms_ln": float(np.sqrt(np.mean(d ** 2))),
                     "max_abs_ln": float(np.max(np.abs(d))),
                     "points": [[float(np.exp(y[i])), float(np.exp(pred[i]))] for i in idx]}
    return JointFit(names=[p.name for p in params], values={k: float(v) for k, v in th.items()}, se=se, se_ln=se_ln,
                    corr=corr, lab_effects={lab: float(sol.x[n_p + i]) for i, lab in enumerate(labs)},
                    residuals=res, nuisance=[p.name for p in params if p.nuisance], cost=float(sol.cost),
                    success=bool(sol.success), message=str(sol.message),
                    settings={"lab_sd_ln": lab_sd, "model_sd_ln": model_sd, "n_obs": len(observations)})


@dataclass
class Chain:
    """Draws of the log posterior from an affine-invariant ensemble (emcee): ``samples`` (steps, walkers, dim) in
    the fitted space after the burn-in, the names of the dimensions (``Problem.names``), the mean acceptance
    fraction and emcee's integrated autocorrelation time per dimension (steps)."""

    names: list
    samples: np.ndarray
    acceptance: float
    autocorr: np.ndarray

    def flat(self, thin: int = 1) -> np.ndarray:
        return self.samples[::thin].reshape(-1, self.samples.shape[-1])

    def diagnostics(self) -> dict:
        """{name: {"r_hat", "ess_bulk", "ess_tail", "autocorr"}} with ArviZ (walkers taken as chains)."""
        import warnings  # noqa: PLC0415

        with warnings.catch_warnings():  # ArviZ 0.23 announces its 1.0 refactor on import
            warnings.simplefilter("ignore", FutureWarning)
            import arviz as az  # noqa: PLC0415 - a calibration tool's dependency, not the app's

            ds = az.convert_to_dataset({f"p{j}": self.samples[:, :, j].T for j in range(len(self.names))})
            rhat, bulk, tail = az.rhat(ds), az.ess(ds, method="bulk"), az.ess(ds, method="tail")
        return {n: {"r_hat": float(rhat[f"p{j}"]), "ess_bulk": float(bulk[f"p{j}"]), "ess_tail": float(tail[f"p{j}"]),
                    "autocorr": float(self.autocorr[j])} for j, n in enumerate(self.names)}


def sample(pb: Problem, u_start, *, walkers: int = 64, steps: int = 4000, burn: int = 1000, seed: int = 0,
           vectorize: bool = False) -> Chain:
    """Sample ``pb.log_prob`` with emcee's ensemble sampler (differential-evolution moves, which suit correlated
    constants), the walkers started in a small ball around ``u_start`` (the optimum); reproducible by ``seed``.
    ``vectorize``: all walkers in one call of ``pb.log_prob_many``."""
    import emcee  # noqa: PLC0415 - a calibration tool's dependency, not the app's

    rng = np.random.default_rng(seed)
    dim = len(pb.lo)
    width = 1e-3 * np.minimum(pb.hi - pb.lo, 1.0)
    p0 = np.clip(np.asarray(u_start, dtype=float) + width * rng.standard_normal((walkers, dim)),
                 pb.lo + 1e-9, pb.hi - 1e-9)
    sampler = emcee.EnsembleSampler(walkers, dim, pb.log_prob_many if vectorize else pb.log_prob,
                                    moves=[(emcee.moves.DEMove(), 0.8), (emcee.moves.DESnookerMove(), 0.2)],
                                    vectorize=vectorize)
    sampler.random_state = np.random.RandomState(seed).get_state()
    sampler.run_mcmc(p0, steps)
    return Chain(names=list(pb.names), samples=sampler.get_chain(discard=burn),
                 acceptance=float(np.mean(sampler.acceptance_fraction)),
                 autocorr=sampler.get_autocorr_time(discard=burn, tol=0))


# ====================================================================== the pellet measurement model
def ejected_density(P, A, P_y, M_GPa, kappa):
    """Relative density after ejection (models.compaction.ejected_density, v3 saturating form)."""
    y = cp.heckel_y(P, A, P_y)
    return cp.ejected_density(y, P, M_GPa, P_y, kappa)


def pellet_sigma(th: dict, mat: str, P_form, P_stack, *, insitu=False):
    """Conductivity (mS/cm) of a pellet of ``mat`` formed at ``P_form`` and held at ``P_stack`` (MPa), from the
    family constants in ``th`` (A, M, D_c, t, m, P_sat, onset, scale) and the material's own (sb_<mat>, Py_<mat>,
    k_<class>). ``insitu``: measured during its first compaction (stack = forming pressure, under load). Every
    argument may be an array (one value per pellet; ``insitu`` a boolean array)."""
    A, M = th["A"], th["M"]
    Py = th[f"Py_{mat}"]
    y = cp.heckel_y(P_form, A, Py)
    D = np.where(insitu, cp.density_from_y(y), cp.density_at(y, P_form, M, P_stack))
    return (tr.se_conductivity(th[f"sb_{mat}"], D, P_stack, P_form, th["D_c"], th["t"], th["m"], th["P_sat"],
                                    th[f"k_{mat}"], onset=th["onset"], scale=th["scale"]))


#: Stack pressure at which the electrode contact coefficient is given, MPa.
ELECTRODE_P_REF = 10.0


def apparent_sigma(sigma_mS_cm, P_stack, thickness_mm, asr_10, q=1.0, electrode_weight=1.0):
    """Conductivity (mS/cm) read between two pressed blocking electrodes: rho_app = rho + 2 ASR_c / L with the
    electrode contact ASR_c = asr_10 (10 MPa / P_stack)^q (ohm cm2; q = 1 when the real contact area grows as the
    pressure and R ~ 1/A, arXiv:2501.00600; a rough hard punch face closes more steeply). Sputtered or evaporated
    electrodes: electrode_weight 0 (no contact term); a source that does not say: a nuisance between 0 and 1."""
    rho = 1.0 / (sigma_mS_cm * 1e-3)
    asr = electrode_weight * asr_10 * (ELECTRODE_P_REF / np.maximum(P_stack, 1e-6)) ** q
    return 1.0 / (rho + 2.0 * asr / (thickness_mm * 0.1)) * 1e3
