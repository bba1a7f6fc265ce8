"""The posterior of the joint calibration (issue 24): one command, its draws shipped with the library.

Run from the repository root::

    python tools/posterior.py            # sample, write pressbook/data/posterior.json and docs/posterior_report.md
    python tools/posterior.py --quick    # a short chain to try the command (not for shipping)
    python tools/posterior.py --errors-only   # recompute the predictive errors (below) of the shipped draws

The model, data, priors and nuisances are those of tools/calibrate_joint.py (physics v3): the same log posterior
(pressbook.lab.joint_calibration.Problem), sampled with emcee's ensemble sampler (differential-evolution moves)
from the optimum, diagnosed with ArviZ (R-hat with the walkers as chains, bulk and tail effective sample size) and
emcee's autocorrelation time. Priors (each stated in calibrate_joint.params with its reason): flat within physical
bounds where the data decide; a wide log-normal where a constant is an estimate (conductivity exponent t,
over-pressing scale, electrode contact). The laboratory effect of the calibration laboratory is sampled with its
N(0, 0.3) prior in ln (Ohno 2020's interlaboratory scatter): the library's conductivities are those of a typical
laboratory, and a new laboratory's own effect is drawn again when a band is made (pressbook.bands).

What ships (pressbook/data/posterior.json): a few hundred draws, thinned far beyond the autocorrelation time, of
(a) every library value the joint fit sets (through calibrate_joint.library_lines, the same mapping that writes
materials.toml), (b) the fitted constants themselves, (c) the calibration laboratory's effect; the laboratory and
model scatter; the diagnostics; the versions of the calibration and of this posterior.

Predictive errors (what a band adds to each draw, besides a new laboratory's effect): the pooled root-mean-square
of the joint fit's own residuals in ln, over every conductivity point (``model_sd_ln``) and every density point
(``density_model_sd_ln``), and never less than the model error the likelihood assumed. The likelihood's 0.1 in ln
(calibrate_joint.SIGMA_MODEL_SD) is an estimate; the residuals show the model misses conductivities of one
laboratory by about twice that, so a band that used 0.1 would claim more than the model can do. The draws do not
depend on these numbers (the likelihood's are fixed), so ``--errors-only`` updates them without sampling again.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
import tomllib
from pathlib import Path
from types import SimpleNamespace

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
sys.path.insert(0, str(ROOT))

import calibrate_joint as cj  # noqa: E402

from pressbook.lab import joint_calibration as jc  # noqa: E402

OUT = ROOT / "pressbook" / "data" / "posterior.json"
REPORT = ROOT / "docs" / "posterior_report.md"
VERSION = "2026.12-p2"
LAB_SD = 0.3      # ln, between-laboratory scatter of conductivity (estimate: Ohno 2020, see calibrate_joint)
MODEL_SD = 0.1    # ln, model error of a conductivity (calibrate_joint.SIGMA_MODEL_SD)
N_DRAWS = 400


def problem(data_dir=None) -> jc.Problem:
    obs = cj.observations(data_dir)
    return jc.Problem(cj.params(), obs, cj.predict, lab_sd=LAB_SD, predict_all=cj.predictor(obs))


def predictive_errors(best: jc.JointFit, obs) -> dict:
    """{"model_sd_ln", "density_model_sd_ln", "basis"}: pooled residual rms (ln) of the fit's conductivity and
    density points, at least the likelihood's own model error for conductivities (see the module docstring)."""
    kind = {o.dataset: o.kind for o in obs}
    pooled = {}
    for group, test in (("conductivity", lambda k: not k.startswith("density")), ("density", lambda k: k.startswith("density"))):
        rows = [r for name, r in best.residuals.items() if test(kind[name])]
        n = sum(r["n"] for r in rows)
        pooled[group] = (float(np.sqrt(sum(r["n"] * r["rms_ln"] ** 2 for r in rows) / n)), n, len(rows))
    cond, dens = pooled["conductivity"], pooled["density"]
    return {"model_sd_ln": round(max(MODEL_SD, cond[0]), 3), "density_model_sd_ln": round(dens[0], 3),
            "basis": f"pooled residual rms of the joint fit: conductivity {cond[0]:.3f} in ln over {cond[1]} points of "
                     f"{cond[2]} datasets (the likelihood assumed {MODEL_SD}), density {dens[0]:.3f} over {dens[1]} "
                     f"points of {dens[2]} datasets"}


def start_of(res: jc.JointFit, pb: jc.Problem) -> np.ndarray:
    """The optimum of the joint fit as a point of the sampler's space."""
    u = [p.to_space(res.values[p.name]) for p in pb.params] + [res.lab_effects[lab] for lab in pb.labs]
    return np.clip(np.array(u), pb.lo + 1e-9, pb.hi - 1e-9)


def library_draws(pb: jc.Problem, draws: np.ndarray, se: dict) -> dict:
    """{material: {parameter: [value per draw]}} through calibrate_joint.library_lines (the materials.toml mapping)."""
    out: dict = {}
    for u in draws:
        th = pb.theta(u)
        for (mat, key), line in cj.library_lines(SimpleNamespace(values=th, se=se)).items():
            out.setdefault(mat, {}).setdefault(key, []).append(float(tomllib.loads(line)[key]["value"]))
    return out


def run(*, walkers=64, steps=30000, burn=10000, seed=2026, data_dir=None) -> dict:
    pb = problem(data_dir)
    t0 = time.perf_counter()
    best = cj.run(data_dir)
    chain = jc.sample(pb, start_of(best, pb), walkers=walkers, steps=steps, burn=burn, seed=seed, vectorize=True)
    diag = chain.diagnostics()
    tau = float(np.nanmax(chain.autocorr))
    flat = chain.flat()
    rng = np.random.default_rng(seed)
    pick = np.sort(rng.choice(flat.shape[0], size=min(N_DRAWS, flat.shape[0]), replace=False))
    draws = flat[pick]
    const = {n: [float(pb.theta(u)[n]) for u in draws] for n in best.names}
    lab = {n: [float(u[pb.n_p + i]) for u in draws] for i, n in enumerate(pb.labs)}
    errors = predictive_errors(best, pb.observations)
    return {
        "version": VERSION, "calibration": jc.VERSION,
        "what": "draws of the joint calibration's posterior (tools/posterior.py); library: values per draw of every "
                "library constant the joint fit sets",
        "lab_sd_ln": LAB_SD, "model_sd_ln": errors["model_sd_ln"],
        "density_model_sd_ln": errors["density_model_sd_ln"], "errors_basis": errors["basis"],
        "n_draws": int(draws.shape[0]),
        "sampler": {"walkers": walkers, "steps": steps, "burn": burn, "seed": seed, "acceptance": chain.acceptance,
                    "max_autocorr_steps": tau, "kept_steps": int(chain.samples.shape[0]),
                    "independent_per_walker": float(chain.samples.shape[0] / tau) if tau > 0 else None,
                    "seconds": round(time.perf_counter() - t0, 1)},
        "diagnostics": diag,
        "optimum": {n: best.values[n] for n in best.names},
        "library": library_draws(pb, draws, best.se),
        "constants": const, "lab_effects": lab,
    }


def report(post: dict) -> str:
    s = post["sampler"]
    lines = [f"# Posterior of the joint calibration ({post['version']}, calibration {post['calibration']})", "",
             "Generated by `python tools/posterior.py` (emcee ensemble sampler, differential-evolution moves; "
             "ArviZ diagnostics, walkers as chains). Do not edit by hand.", "",
             f"- {s['walkers']} walkers x {s['steps']} steps, burn-in {s['burn']}; acceptance {s['acceptance']:.2f}; "
             f"longest autocorrelation time {s['max_autocorr_steps']:.0f} steps, so about "
             f"{s['independent_per_walker']:.0f} independent samples per walker; {s['seconds']:.0f} s.",
             f"- Shipped: {post['n_draws']} draws (pressbook/data/posterior.json); between-laboratory scatter "
             f"{post['lab_sd_ln']} in ln (a new laboratory's effect is drawn again for every band), model error "
             f"{post['model_sd_ln']} in ln on conductivities and {post['density_model_sd_ln']} on densities "
             f"({post['errors_basis']}).", "",
             "| constant | optimum | posterior median | 5-95 % | R-hat | ESS bulk | ESS tail |",
             "|---|---|---|---|---|---|---|"]
    for n, v in post["optimum"].items():
        d = post["diagnostics"][n]
        q5, q50, q95 = np.percentile(post["constants"][n], [5, 50, 95])
        lines.append(f"| {n} | {v:.4g} | {q50:.4g} | {q5:.4g} - {q95:.4g} | {d['r_hat']:.3f} | {d['ess_bulk']:.0f} "
                     f"| {d['ess_tail']:.0f} |")
    for n, d in post["diagnostics"].items():
        if n.startswith("lab:"):
            q5, q50, q95 = np.percentile(post["lab_effects"][n[4:]], [5, 50, 95])
            lines.append(f"| {n} (ln) | - | {q50:+.3f} | {q5:+.3f} - {q95:+.3f} | {d['r_hat']:.3f} | "
                         f"{d['ess_bulk']:.0f} | {d['ess_tail']:.0f} |")
    worst = max(d["r_hat"] for d in post["diagnostics"].values())
    lines += ["", f"Largest R-hat {worst:.3f} (target < 1.05 with walkers as chains; emcee's walkers are not "
                  "independent chains, so the autocorrelation time above is the stricter check)."]
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="a short chain to try the command (writes nothing)")
    ap.add_argument("--data", type=Path, default=None)
    ap.add_argument("--errors-only", action="store_true", help="keep the shipped draws; recompute the predictive "
                    "errors from the joint fit and write the new posterior version")
    a = ap.parse_args(argv)
    if a.errors_only:
        post = json.loads(OUT.read_text(encoding="utf-8"))
        pb = problem(a.data)
        errors = predictive_errors(cj.run(a.data), pb.observations)
        post.update(version=VERSION, model_sd_ln=errors["model_sd_ln"],
                    density_model_sd_ln=errors["density_model_sd_ln"], errors_basis=errors["basis"])
        text = report(post)
        OUT.write_text(json.dumps(post, indent=None, separators=(",", ":")) + "\n", encoding="utf-8")
        REPORT.write_text(text, encoding="utf-8")
        print(errors["basis"])
        return 0
    post = run(walkers=64, steps=300, burn=100, data_dir=a.data) if a.quick else run(data_dir=a.data)
    text = report(post)
    print(text)
    if a.quick:
        return 0
    OUT.write_text(json.dumps(post, indent=None, separators=(",", ":")) + "\n", encoding="utf-8")
    REPORT.write_text(text, encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)} and {REPORT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
