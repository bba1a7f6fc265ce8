"""Designer time to interactive (cold and preheated kernels) and memory of one designer kernel and the server.

    .venv/bin/python benchmarks/bench_serving.py            # 5 page opens per configuration
    .venv/bin/python benchmarks/bench_serving.py --quick    # 3

Cold: a real Voila server with etc/voila/app (a kernel is started per page); Debian's Chromium opens the
designer several times, one at a time, 8 s apart. Preheated: etc/voila/class (a pool of preheated
kernels), and the designer is opened in turn with two floor pages, each from its own server (so all three
see the same machine state; ratios between them are of one run). Each open is a fresh browser context, as
a student's first visit. Time to interactive: from `goto` until every widget and BokehJS document of the
page is live (the same signal as bench_designer.py); the main thread is then free again. Memory: psutil
RSS and USS of every kernel process of the server (the designer's kernels, pool included) and of the
Voila server itself, read after the last page has loaded. Targets of issue 5: time to interactive
< 1.5 s with preheated kernels, one designer kernel < 150 MB RSS. A plug-in of run_all.py.

Where the time goes: the server's part (navigation ``responseEnd``: the page's HTML has arrived) and the
browser's. The floors: benchmarks/notebooks/one_widget.ipynb (one input box: Voila alone) and
one_figure.ipynb (one input box and one small Bokeh figure, loaded as every pressbook app loads them);
no Voila page of this stack, and no page with a Bokeh figure, is interactive sooner on this machine.
"""
from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from _timing import ROOT, machine, row  # noqa: E402
from bench_designer import CHROMIUM, CHROMIUM_ARGS, READY_JS, start_voila, stop_voila  # noqa: E402

ONE_WIDGET = HERE / "notebooks" / "one_widget.ipynb"
ONE_FIGURE = HERE / "notebooks" / "one_figure.ipynb"
ONE_WIDGET_READY_JS = """() => !document.getElementById('loading')
  && document.querySelector('.pb-step-2 .pb-step-pressure input') !== null"""
RESPONSE_END_JS = "() => performance.getEntriesByType('navigation')[0].responseEnd / 1000"
POINTS_JS = ("() => { for (const d of Bokeh.documents) for (const m of d.all_models) "
             "if (m.name === 'pb-points') return true; return false; }")


def _wait_log(path: Path, text: str, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if text in path.read_text(errors="replace"):
            return True
        time.sleep(0.25)
    return False


def _memory(proc) -> tuple[dict, list[dict]]:
    """(server, [kernels]) each {'rss': MB, 'uss': MB}."""
    import psutil

    def mem(p):
        info = p.memory_full_info()
        return {"rss": info.rss / 2**20, "uss": info.uss / 2**20}

    server = psutil.Process(proc.pid)
    kernels = [mem(c) for c in server.children(recursive=True) if "ipykernel" in " ".join(c.cmdline())]
    return mem(server), kernels


def _open(browser, url: str, ready: tuple[str, ...]) -> tuple[float, float]:
    """(time to interactive [s], response end [s]) of one page open in a fresh browser context."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    t0 = time.perf_counter()
    page.goto(url, timeout=120_000)
    for js in ready:
        page.wait_for_function(js, timeout=120_000, polling=20)
    tti = time.perf_counter() - t0
    response = page.evaluate(RESPONSE_END_JS)
    page.close(run_before_unload=True)
    return tti, response


def measure_cold(opens: int) -> tuple[list[float], dict, list[dict]]:
    """(time to interactive [s], server memory, kernel memories) of the designer, app config."""
    from playwright.sync_api import sync_playwright

    tmp = Path(tempfile.mkdtemp(prefix="pb-bench-app-"))
    proc, port = start_voila("app", ROOT / "notebooks" / "designer.ipynb", tmp / "voila.log")
    tti = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            for _ in range(opens):
                time.sleep(8.0)
                tti.append(_open(browser, f"http://127.0.0.1:{port}/?preset=three-step", (READY_JS, POINTS_JS))[0])
            server, kernels = _memory(proc)
            browser.close()
    finally:
        stop_voila(proc)
    return tti, server, kernels


# Pages opened with preheated kernels, in turn: the designer and the two floors. (what the page is, the
# directory served, the page's path, what "interactive" means for it)
PREHEATED = {
    "designer": (ROOT / "notebooks", "designer.ipynb?preset=three-step", (READY_JS, POINTS_JS)),
    "one input": (ONE_WIDGET, "designer.ipynb", (ONE_WIDGET_READY_JS,)),
    "one input + one figure": (ONE_FIGURE, "designer.ipynb", (ONE_WIDGET_READY_JS, POINTS_JS)),
}


def measure_preheated(opens: int) -> tuple[dict[str, list[float]], list[float], dict, list[dict]]:
    """({page: time to interactive [s]}, the designer's response end [s], server memory, kernel memories).

    One class-config server per page of PREHEATED, pages opened in turn (so the floors and the designer
    share the machine's state). The class config preheats notebooks named designer.ipynb, so each floor
    notebook is served under that name from a directory of its own."""
    from playwright.sync_api import sync_playwright

    servers = {}
    try:
        for name, (source, path, _ready) in PREHEATED.items():
            tmp = Path(tempfile.mkdtemp(prefix="pb-bench-class-"))
            root = source
            if source.is_file():
                root = tmp / "notebooks"
                root.mkdir()
                shutil.copy(source, root / "designer.ipynb")
            proc, port = start_voila("class", root, tmp / "voila.log")
            servers[name] = (proc, f"http://127.0.0.1:{port}/voila/render/{path}")
            if not _wait_log(tmp / "voila.log", "Kernel pool of designer.ipynb is filled", 240):
                raise RuntimeError(f"the preheated pool of '{name}' was not filled in 240 s")
        tti = {name: [] for name in PREHEATED}
        response = []
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            for _ in range(opens):
                for name, (_source, _path, ready) in PREHEATED.items():
                    time.sleep(4.0)  # every server's pool refills between its pages (>= 12 s)
                    t, r = _open(browser, servers[name][1], ready)
                    tti[name].append(t)
                    if name == "designer":
                        response.append(r)
            server, kernels = _memory(servers["designer"][0])
            browser.close()
    finally:
        for proc, _url in servers.values():
            stop_voila(proc)
    return tti, response, server, kernels


def run(quick: bool = False) -> list[dict]:
    if not os.access(CHROMIUM, os.X_OK):
        return [row("serving benchmark skipped", [0], "", group="serving", note=f"no Chromium at {CHROMIUM}")]
    opens = 3 if quick else 5
    rows = []
    cold, server, kernels = measure_cold(opens)
    rows.append(row("designer time to interactive, cold kernel (app config)", cold, "s", group="serving",
                    note=f"{opens} page opens, 8 s apart; a kernel is started and runs the notebook per page"))
    hot, hot_response, server_c, kernels_c = measure_preheated(opens)
    med = lambda v: sorted(v)[len(v) // 2]  # noqa: E731
    rows.append(row("designer time to interactive, preheated kernel (class config)", hot["designer"], "s",
                    target="< 1.5 s", ok=med(hot["designer"]) < 1.5, group="serving",
                    note=f"{opens} page opens, in turn with the two floor pages below, pool of 2 refilling"))
    rows.append(row("of which the server's response (preheated)", hot_response, "s", group="serving",
                    note="navigation responseEnd: the whole page has arrived; the rest is the browser"))
    rows.append(row("floor: one input, preheated (Voila alone)", hot["one input"], "s", group="serving",
                    note="benchmarks/notebooks/one_widget.ipynb, same run and server settings"))
    rows.append(row("floor: one input + one Bokeh figure, preheated", hot["one input + one figure"], "s",
                    group="serving", note="benchmarks/notebooks/one_figure.ipynb: BokehJS and one figure as "
                                          "every pressbook app loads them"))
    rss = [k["rss"] for k in kernels + kernels_c]
    uss = [k["uss"] for k in kernels + kernels_c]
    rows.append(row("one designer kernel, RSS", rss, "MB", target="< 150 MB", ok=med(rss) < 150,
                    group="serving", note=f"{len(rss)} kernels with the designer loaded (psutil)"))
    rows.append(row("one designer kernel, USS", uss, "MB", group="serving", note="memory unique to the kernel"))
    rows.append(row("Voila server, RSS (app / class)", [server["rss"], server_c["rss"]], "MB", group="serving",
                    note="min: app config (one notebook), max: class config (all notebooks, preheated pages held)"))
    rows.append(row("Voila server, USS (app / class)", [server["uss"], server_c["uss"]], "MB", group="serving"))
    return rows


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    rows = run(quick="--quick" in argv)
    out = HERE / "results" / "serving.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"machine": machine(), "rows": rows}, indent=2))
    for r in rows:
        print(f"{r['name']:62} median {r['median']:8.2f} min {r['min']:8.2f} max {r['max']:8.2f} {r['unit']} "
              f"{r['target']} {'' if r['ok'] is None else ('ok' if r['ok'] else 'MISSED')}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
