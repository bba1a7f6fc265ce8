"""What one preheated designer kernel costs to start: time and memory of each part (issue 14).

    .venv/bin/python benchmarks/bench_kernel_startup.py                       # 5 kernels
    .venv/bin/python benchmarks/bench_kernel_startup.py --compare /path/to/other/checkout --repeat 6

Each repetition starts a fresh Python kernel as Voila does (jupyter_client, the same interpreter), then runs
the designer notebook's code in parts and measures, inside the kernel, wall and CPU seconds and the kernel's
RSS after each part:

- ``kernel``: process start until the kernel answers (ipykernel and its imports; measured from outside),
- ``imports``: the notebook's imports (pressbook, ipywidgets, bokeh, pint, numpy ...),
- ``bokehjs``: ``load_bokehjs()`` (BokehJS published into the page once),
- ``build``: ``build_designer()`` and displaying it with the page guard (state, simulation, widgets, figures),
- ``query``: ``apply_query("preset=three-step")``, what a student's link costs when the page is requested
  (not start-up, but on the way to an interactive page).

The heavy optional modules present after the imports are listed (scipy, pandas, sqlalchemy, ...).  With
``--compare DIR`` the kernels alternate between this checkout and DIR (``PYTHONPATH``), so both are measured
in the same run on the same machine state: a before/after.  Medians are printed as a Markdown table and
written to benchmarks/results/kernel_startup.json with the load average.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("scipy", "scipy.optimize", "scipy.special", "pandas", "sqlalchemy", "psycopg", "matplotlib",
         "impedance", "pressbook.lab.lablog", "pressbook.lab.spectrum", "pressbook.lab.calibrate", "voila.utils")

PROBE = r"""
import json as _json, os as _os, resource as _resource, sys as _sys, time as _time
def _rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * _os.sysconf("SC_PAGE_SIZE") / 2**20
def _mark(name, t0, c0):
    _marks.append({"part": name, "wall_s": _time.perf_counter() - t0, "cpu_s": _time.process_time() - c0,
                   "rss_mb": _rss()})
_marks = [{"part": "kernel", "wall_s": 0.0, "cpu_s": _time.process_time(), "rss_mb": _rss()}]
"""

PARTS = {
    "imports": "from IPython.display import display\n"
               "from pressbook.apps.designer.app import build_designer, load_bokehjs, request_query\n"
               "from pressbook.apps.serving import page_guard",
    "bokehjs": "load_bokehjs()",
    "build": "designer = build_designer()\ndisplay(designer, page_guard())",
    "query": "designer.apply_query('preset=three-step')",
}


def _run(kc, code: str, timeout: float = 300) -> str:
    out: list[str] = []

    def hook(msg):
        if msg["msg_type"] == "stream" and msg["content"]["name"] == "stdout":
            out.append(msg["content"]["text"])
        if msg["msg_type"] == "error":
            raise RuntimeError("\n".join(msg["content"]["traceback"]))

    reply = kc.execute_interactive(code, timeout=timeout, output_hook=hook)
    if reply["content"]["status"] != "ok":
        raise RuntimeError(f"{code!r} failed: {reply['content'].get('evalue')}")
    return "".join(out)


def one_kernel(tree: Path) -> dict:
    """Start a kernel with ``tree`` on PYTHONPATH and measure every part."""
    from jupyter_client.manager import start_new_kernel

    env = dict(os.environ, PYTHONPATH=str(tree), PRESSBOOK_LOG="off")
    env.pop("VOILA_PREHEAT", None)
    t0 = time.perf_counter()
    km, kc = start_new_kernel(kernel_name="python3", env=env, cwd=str(tree / "notebooks"))
    kernel_s = time.perf_counter() - t0
    try:
        _run(kc, PROBE)
        for name, code in PARTS.items():
            _run(kc, f"_t0, _c0 = _time.perf_counter(), _time.process_time()\n{code}\n_mark({name!r}, _t0, _c0)")
        marks = json.loads(_run(kc, "print(_json.dumps(_marks))"))
        heavy = json.loads(_run(kc, f"print(_json.dumps([m for m in {list(HEAVY)!r} if m in _sys.modules]))"))
        modules = int(_run(kc, "print(len(_sys.modules))"))
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    parts = {"kernel": {"wall_s": kernel_s, "cpu_s": marks[0]["cpu_s"], "rss_mb": marks[0]["rss_mb"],
                        "rss_added_mb": marks[0]["rss_mb"]}}
    previous = marks[0]["rss_mb"]
    for m in marks[1:]:
        parts[m["part"]] = {"wall_s": m["wall_s"], "cpu_s": m["cpu_s"], "rss_mb": m["rss_mb"],
                            "rss_added_mb": m["rss_mb"] - previous}
        previous = m["rss_mb"]
    return {"parts": parts, "heavy_modules": heavy, "modules": modules}


def summarise(runs: list[dict]) -> dict:
    names = list(runs[0]["parts"])
    out = {}
    for name in names:
        out[name] = {k: round(statistics.median(r["parts"][name][k] for r in runs), 3)
                     for k in ("wall_s", "cpu_s", "rss_added_mb")}
    start = [n for n in names if n != "query"]
    out["start-up total"] = {k: round(statistics.median(sum(r["parts"][n][k] for n in start) for r in runs), 3)
                             for k in ("wall_s", "cpu_s", "rss_added_mb")}
    out["heavy_modules"] = runs[-1]["heavy_modules"]
    out["modules"] = statistics.median(r["modules"] for r in runs)
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--compare", type=Path, default=None, help="another checkout, measured alternately")
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "kernel_startup.json")
    args = ap.parse_args(argv)
    trees = {"this": ROOT}
    if args.compare:
        trees = {"compare": args.compare.resolve(), "this": ROOT}
    runs: dict[str, list] = {k: [] for k in trees}
    load = [os.getloadavg()[0]]
    for i in range(args.repeat):
        for label, tree in trees.items():
            r = one_kernel(tree)
            runs[label].append(r)
            p = r["parts"]
            print(f"[{i + 1}/{args.repeat}] {label}: " + ", ".join(
                f"{n} {v['wall_s']:.2f} s/{v['rss_added_mb']:.0f} MB" for n, v in p.items()), flush=True)
            load.append(os.getloadavg()[0])
    doc = {"date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "repeat": args.repeat,
           "cores": os.cpu_count(), "loadavg_1min": {"min": min(load), "median": statistics.median(load),
                                                       "max": max(load)},
           "trees": {k: str(v) for k, v in trees.items()},
           "median": {k: summarise(v) for k, v in runs.items()}, "runs": runs}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(doc, indent=2) + "\n")
    print(f"\nmedians of {args.repeat} kernels each; load average (1 min) {doc['loadavg_1min']}")
    print("| tree | part | wall (s) | CPU (s) | RSS added (MB) |\n|---|---|---|---|---|")
    for label, med in doc["median"].items():
        for name, v in med.items():
            if isinstance(v, dict):
                print(f"| {label} | {name} | {v['wall_s']} | {v['cpu_s']} | {v['rss_added_mb']:.0f} |")
        print(f"| {label} | heavy modules loaded | {', '.join(med['heavy_modules']) or 'none'} | | |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
