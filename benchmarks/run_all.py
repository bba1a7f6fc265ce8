"""Run every benchmark and write benchmarks/results/latest.md and latest.json.

    python benchmarks/run_all.py            # all benchmarks (a few minutes)
    python benchmarks/run_all.py --quick    # fewer repeats (modules that accept ``quick``)
    python benchmarks/run_all.py core       # only modules whose name contains "core"

Plug-in contract: every ``benchmarks/bench_*.py`` module with a function ``run()`` (optionally
``run(quick=...)``) returning a list of dict rows is run, in name order, in this process. A row has
``name``, ``median``, ``unit`` and optionally ``min``, ``max``, ``n``, ``target`` (text), ``ok``
(bool: target met), ``note`` and ``group``; ``_timing.row()`` builds one. A module that fails gives an
error row; the others still run. Machines are noisy: each row is a median of repeats within this one
run, and ratios are taken between numbers of the same run.
"""
from __future__ import annotations

import argparse
import importlib
import inspect
import json
import sys
import time
import traceback
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
try:  # a fresh clone without `pip install -e .`: use the package next to benchmarks/
    import pressbook  # noqa: F401
except ImportError:  # pragma: no cover
    sys.path.insert(1, str(HERE.parent))

from _timing import machine  # noqa: E402

RESULTS = HERE / "results"


def discover(patterns: list[str]) -> list[str]:
    names = sorted(p.stem for p in HERE.glob("bench_*.py"))
    if patterns:
        names = [n for n in names if any(s in n for s in patterns)]
    return names


def run_module(name: str, quick: bool) -> tuple[list[dict], float]:
    t0 = time.perf_counter()
    try:
        mod = importlib.import_module(name)
        fn = getattr(mod, "run", None)
        if fn is None:
            return [], time.perf_counter() - t0
        kwargs = {"quick": quick} if "quick" in inspect.signature(fn).parameters else {}
        rows = list(fn(**kwargs) or [])
        for r in rows:
            r.setdefault("module", name)
        return rows, time.perf_counter() - t0
    except Exception as exc:
        tb = traceback.format_exc(limit=3)
        return [{"module": name, "group": name, "name": f"{name} failed", "median": None, "unit": "",
                 "ok": False, "note": f"{type(exc).__name__}: {exc}", "error": tb}], time.perf_counter() - t0


def _fmt(v) -> str:
    if v is None:
        return "-"
    if isinstance(v, (int, float)):
        a = abs(v)
        if a >= 1e5:
            return f"{v:,.0f}"
        if a >= 100:
            return f"{v:.0f}"
        return f"{v:.3g}"
    return str(v)


def to_markdown(result: dict) -> str:
    m = result["machine"]
    lines = [f"# pressbook benchmarks", "",
             f"Run {result['started']} with `{result['command']}` ({result['seconds']:.0f} s).", "",
             f"Machine: {m['cpu']}, {m['cores_usable']} usable cores ({m['cores_logical']} logical), "
             f"{m['ram_gib']} GiB RAM, {m['os']}; Python {m['python']}, "
             + ", ".join(f"{k} {v}" for k, v in m["versions"].items() if v) + f"; git {m['git']}; "
             f"load average at start {', '.join(f'{x:.2f}' for x in (m['loadavg_at_start'] or []))}.", "",
             "Medians of repeats in this run, with min and max; ratios are between medians of the same run.", "",
             "| benchmark | median | min | max | unit | target | met | note |",
             "|---|---:|---:|---:|---|---|---|---|"]
    for r in result["rows"]:
        met = {True: "yes", False: "**no**", None: ""}[r.get("ok")]
        lines.append(f"| {r['name']} | {_fmt(r.get('median'))} | {_fmt(r.get('min'))} | {_fmt(r.get('max'))} | "
                     f"{r.get('unit', '')} | {r.get('target', '')} | {met} | {str(r.get('note', '')).replace('|', '/')} |")
    missing = result.get("not_measured")
    if missing:
        lines += ["", "Not measured in this run: " + "; ".join(missing) + "."]
    return "\n".join(lines) + "\n"


#: Issue 5 asks for these; they come from bench_*.py modules written alongside the apps. A row whose name
#: contains one of the words counts as that measurement.
EXPECTED = {
    "designer update latency (bench_designer.py)": ("designer update", "views updated", "bokeh data updated"),
    "Voila time-to-interactive (bench_designer.py)": ("time to interactive", "time-to-interactive"),
    "kernel / server memory, RSS and USS (bench_designer.py)": ("rss", "uss"),
}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("only", nargs="*", help="run only bench modules whose name contains one of these")
    ap.add_argument("--quick", action="store_true", help="fewer repeats")
    ap.add_argument("--out", default=str(RESULTS), help="directory for latest.md / latest.json")
    args = ap.parse_args(argv)
    started = datetime.now(timezone.utc).isoformat(timespec="seconds")
    t0 = time.perf_counter()
    info = machine()
    rows, modules = [], {}
    for name in discover(args.only):
        print(f"running {name} ...", flush=True)
        r, dt = run_module(name, args.quick)
        modules[name] = round(dt, 1)
        rows += r
        for x in r:
            print(f"  {x['name']:<48} {_fmt(x.get('median')):>12} {x.get('unit', '')}"
                  + ("" if x.get("ok") is not False else "   (target not met)"), flush=True)
    names = " ".join(r["name"].lower() for r in rows)
    not_measured = [label for label, words in EXPECTED.items() if not any(w in names for w in words)]
    result = {"started": started, "command": "python benchmarks/run_all.py " + " ".join(argv or sys.argv[1:]),
              "seconds": time.perf_counter() - t0, "machine": info, "modules": modules, "rows": rows,
              "not_measured": not_measured}
    result["command"] = result["command"].strip()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "latest.json").write_text(json.dumps(result, indent=2, default=str) + "\n", encoding="utf-8")
    (out / "latest.md").write_text(to_markdown(result), encoding="utf-8")
    print(f"wrote {out / 'latest.md'} and {out / 'latest.json'}")
    return 0 if all(r.get("ok") is not False for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
