"""Shared helpers of the benchmarks: timing with medians, rows, and a description of the machine."""
from __future__ import annotations

import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def times(fn, repeat: int, warmup: int = 1) -> list[float]:
    """Wall-clock seconds of ``repeat`` calls of fn() (after ``warmup`` calls)."""
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def row(name: str, values, unit: str, *, target: str = "", ok: bool | None = None, note: str = "",
        group: str = "core", higher_is_better: bool = False) -> dict:
    """One result row: median, min, max of ``values`` (already in ``unit``)."""
    values = [float(v) for v in values]
    return {"group": group, "name": name, "median": statistics.median(values), "min": min(values), "max": max(values),
            "n": len(values), "unit": unit, "target": target, "ok": ok, "note": note,
            "higher_is_better": higher_is_better}


def machine() -> dict:
    """CPU model, cores, RAM, OS, Python and library versions, and the code's git commit."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram_gib = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                ram_gib = round(int(line.split()[1]) / 1024 ** 2, 1)
                break
    except OSError:
        pass
    try:
        affinity = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - macOS
        affinity = os.cpu_count()
    versions = {}
    for mod in ("numpy", "scipy", "pint", "bokeh", "ipywidgets", "voila"):
        try:
            versions[mod] = __import__(mod).__version__
        except Exception:
            versions[mod] = None
    try:
        import pressbook
        versions["pressbook"] = pressbook.__version__
    except Exception:
        pass
    commit = None
    try:
        commit = subprocess.run(["git", "-C", str(ROOT), "describe", "--always", "--dirty"], capture_output=True,
                                text=True, timeout=10).stdout.strip() or None
    except Exception:
        pass
    return {"cpu": cpu, "cores_logical": os.cpu_count(), "cores_usable": affinity, "ram_gib": ram_gib,
            "os": f"{platform.system()} {platform.release()}", "python": platform.python_version(),
            "python_impl": sys.implementation.name, "versions": versions, "git": commit,
            "loadavg_at_start": list(os.getloadavg()) if hasattr(os, "getloadavg") else None}


def cpu_seconds(processes) -> float:
    """CPU time (user + system, s) used so far by the given ``psutil.Process`` objects still alive."""
    import psutil

    total = 0.0
    for proc in processes:
        try:
            t = proc.cpu_times()
            total += t.user + t.system
        except psutil.Error:
            pass
    return total


def tree_cpu_seconds(root_pid: int, skip_pid: int | None = None) -> float:
    """CPU time (user + system, s) of a process and its living descendants, without ``skip_pid``'s tree."""
    import psutil

    def tree(pid):
        try:
            root = psutil.Process(pid)
            return [root, *root.children(recursive=True)]
        except psutil.Error:
            return []

    skip = {p.pid for p in tree(skip_pid)} if skip_pid is not None else set()
    return cpu_seconds(p for p in tree(root_pid) if p.pid not in skip)


def write_rows(name: str, rows: list[dict]) -> Path:
    """Write ``rows`` with the machine's description to benchmarks/results/<name>.json, print one line per row
    (median [min..max] unit, target, note); returns the file."""
    import json

    out = ROOT / "benchmarks" / "results" / f"{name}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"machine": machine(), "rows": rows}, indent=2))
    for r in rows:
        met = "" if r["ok"] is None else ("ok" if r["ok"] else "MISSED")
        print(f"{r['name']:72} {r['median']:9.3f} {r['unit']:3} [{r['min']:.3f}..{r['max']:.3f}] {r['target']} {met}"
              f" {r['note']}")
    print(f"written: {out.relative_to(ROOT)}")
    return out
