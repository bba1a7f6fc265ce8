"""Core speed: simulate latency, batch throughput and its ratio to a loop over simulate (one run).

    python benchmarks/bench_core.py        # prints the rows; run_all.py writes the tables
"""
from __future__ import annotations

import time

import numpy as np

from _timing import row, times

SPEC = {  # six numbers varied at once, the kind of batch the tools run
    "steps.1.pressure": (200.0, 400.0), "steps.2.pressure": (300.0, 600.0), "steps.2.hold": (60.0, 600.0),
    "layers.2.mass": (60.0, 100.0), "materials.separator.yield_pressure": (400.0, 800.0),
    "operation.stack_pressure": (1.0, 20.0),
}


def run(quick: bool = False) -> list[dict]:
    from pressbook import presets, simulate
    from pressbook.batch import apply_variant, grid, sample, simulate_many

    design = presets.three_step()
    rows = []

    # -- simulate latency of the example design (validation included, as the designer calls it)
    lat = [t * 1e3 for t in times(lambda: simulate(design), repeat=100 if quick else 400, warmup=20)]
    rows.append(row("simulate latency, three-step example", lat, "ms", target="< 2 ms",
                    ok=np.median(lat) < 2.0, note="validate + plan + kernel + Outcome"))

    # -- bands (issue 24): the posterior draws through simulate_many, and their cost against simulate in this run
    from pressbook import bands as pb_bands

    pb_bands.bands(design)  # the draws' libraries and layer parameters are built once per library and layer
    bl = [t * 1e3 for t in times(lambda: pb_bands.bands(design), repeat=50 if quick else 200, warmup=5)]
    rows.append(row("bands latency, three-step example", bl, "ms", target="<= 10 ms", ok=np.median(bl) <= 10.0,
                    note=f"{pb_bands.posterior()['n_draws']} posterior draws, 5-95 % of every number, risk "
                         f"probabilities, impedance envelope; {np.median(bl) / np.median(lat):.1f}x simulate latency"))

    # -- loop over simulate vs simulate_many, same variants, measured in this run
    n_loop = 100 if quick else 300
    v_loop = sample(SPEC, n_loop, seed=1)
    designs = []
    for k in range(n_loop):  # a Design can hold step/layer/operation values; the material one goes via a library
        designs.append(apply_variant(design, {p: float(a[k]) for p, a in v_loop.items() if not p.startswith("materials.")}))
    loop_rates = []
    for _ in range(3 if quick else 5):
        t0 = time.perf_counter()
        for d in designs:
            simulate(d)
        loop_rates.append(n_loop / (time.perf_counter() - t0))
    rows.append(row("loop over simulate()", loop_rates, "variants/s", higher_is_better=True,
                    note=f"{n_loop} variants of three-step, one simulate() each"))

    n_batch = 100_000
    v = sample(SPEC, n_batch, seed=0)
    batch_rates = [n_batch / t for t in times(lambda: simulate_many(design, v), repeat=3 if quick else 7)]
    rows.append(row("simulate_many throughput, three-step", batch_rates, "variants/s", target=">= 100000 variants/s",
                    ok=np.median(batch_rates) >= 1e5, higher_is_better=True,
                    note=f"{n_batch} variants, 6 numbers varied, validation of every value included"))
    ratio = np.median(batch_rates) / np.median(loop_rates)
    rows.append(row("simulate_many / loop speed-up", [ratio], "x", target=">= 100x", ok=ratio >= 100,
                    higher_is_better=True, note="ratio of the two medians above (same run)"))

    if not quick:
        n_big = 1_000_000
        vb = sample(SPEC, n_big, seed=2)
        big = [n_big / t for t in times(lambda: simulate_many(design, vb), repeat=3)]
        rows.append(row("simulate_many throughput, 1e6 variants", big, "variants/s", higher_is_better=True,
                        note="chunked (batch.CHUNK variants per kernel call)"))

        import tracemalloc

        tracemalloc.start()
        res = simulate_many(design, vb)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        out_mb = sum(getattr(res, f).nbytes for f in ("porosity", "thickness", "conductivity", "max_pressure", "contact",
                                                        "asr_interface", "intermixing", "risk_scores", "total_asr",
                                                        "total_resistance")) / 2 ** 20
        rows.append(row("simulate_many peak memory, 1e6 variants", [peak / 2 ** 20], "MiB",
                        note=f"tracemalloc peak; the result arrays themselves are {out_mb:.0f} MiB"))
        del res

    # -- an interactive-size map: 61 x 61 step pressures
    g = grid({"steps.1.pressure": np.linspace(100, 700, 61), "steps.2.pressure": np.linspace(100, 800, 61)})
    pm = [t * 1e3 for t in times(lambda: simulate_many(design, g), repeat=10 if quick else 30)]
    rows.append(row("process-map batch, 61 x 61 grid", pm, "ms", target="< 50 ms", ok=np.median(pm) < 50,
                    note="3721 variants, what a map slider change costs"))
    return rows


if __name__ == "__main__":
    for r in run():
        print(f"{r['name']:<45} median {r['median']:.4g} {r['unit']} (min {r['min']:.4g}, max {r['max']:.4g})")
