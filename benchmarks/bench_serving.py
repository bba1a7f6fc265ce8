"""Designer time to interactive (cold and preheated kernels) and memory of one designer kernel and the server.

    .venv/bin/python benchmarks/bench_serving.py            # 5 page opens per configuration
    .venv/bin/python benchmarks/bench_serving.py --quick    # 3

For each configuration a real Voila server is started (etc/voila/app: a kernel is started per page;
etc/voila/class: a pool of preheated designer kernels, serving notebooks/), then Debian's Chromium opens
the designer page several times, one at a time, 8 s apart (so the preheated pool refills, as when students
arrive one by one). Time to interactive: from `goto` until every widget and BokehJS document of the
designer is live (the same signal as bench_designer.py). Memory: psutil RSS and USS of every kernel
process of the server (the designer's kernels, pool included) and of the Voila server itself, read
after the last page has loaded. Targets of issue 5: time to interactive < 1.5 s with preheated kernels,
one designer kernel < 150 MB RSS. A plug-in of run_all.py.

Where the time goes: the server's part (navigation ``responseEnd``: the page's HTML has arrived) and
Voila's own start in the browser, measured on benchmarks/notebooks/one_widget.ipynb (one input box, no
pressbook, no BokehJS): its time from ``responseEnd`` to the input being live is the floor below which
no Voila page of this stack gets on this machine.
"""
from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from _timing import ROOT, machine, row  # noqa: E402
from bench_designer import CHROMIUM, CHROMIUM_ARGS, READY_JS, start_voila, stop_voila  # noqa: E402

ONE_WIDGET = HERE / "notebooks" / "one_widget.ipynb"
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


def measure(config: str, opens: int, notebook: Path | None = None) -> tuple[list[float], list[float], dict, list[dict]]:
    """(time to interactive [s], response end [s], server memory, kernel memories) of ``opens`` page opens.
    ``notebook``: another notebook than the designer (app config), ready when its input box is live."""
    from playwright.sync_api import sync_playwright

    tmp = Path(tempfile.mkdtemp(prefix=f"pb-bench-{config}-"))
    log = tmp / "voila.log"
    if notebook is not None:
        proc, port = start_voila(config, notebook, log)
        url = f"http://127.0.0.1:{port}/"
    elif config == "class":
        proc, port = start_voila(config, ROOT / "notebooks", log)
        url = f"http://127.0.0.1:{port}/voila/render/designer.ipynb?preset=three-step"
        if not _wait_log(log, "Kernel pool of designer.ipynb is filled", 240):
            stop_voila(proc)
            raise RuntimeError("the preheated pool was not filled in 240 s")
    else:
        proc, port = start_voila(config, ROOT / "notebooks" / "designer.ipynb", log)
        url = f"http://127.0.0.1:{port}/?preset=three-step"
    tti, response = [], []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            for _ in range(opens):
                time.sleep(8.0)
                page = browser.new_page(viewport={"width": 1280, "height": 900})
                t0 = time.perf_counter()
                page.goto(url, timeout=120_000)
                if notebook is not None:
                    page.wait_for_function(ONE_WIDGET_READY_JS, timeout=120_000, polling=20)
                else:
                    page.wait_for_function(READY_JS, timeout=120_000, polling=20)
                    page.wait_for_function(POINTS_JS, timeout=60_000, polling=20)
                tti.append(time.perf_counter() - t0)
                response.append(page.evaluate(RESPONSE_END_JS))
                page.close(run_before_unload=True)
            server, kernels = _memory(proc)
            browser.close()
    finally:
        stop_voila(proc)
    return tti, response, server, kernels


def run(quick: bool = False) -> list[dict]:
    if not os.access(CHROMIUM, os.X_OK):
        return [row("serving benchmark skipped", [0], "", group="serving", note=f"no Chromium at {CHROMIUM}")]
    opens = 3 if quick else 5
    rows = []
    cold, _, server, kernels = measure("app", opens)
    rows.append(row("designer time to interactive, cold kernel (app config)", cold, "s", group="serving",
                    note=f"{opens} page opens, 8 s apart; a kernel is started and runs the notebook per page"))
    hot, hot_response, server_c, kernels_c = measure("class", opens)
    med = sorted(hot)[len(hot) // 2]
    rows.append(row("designer time to interactive, preheated kernel (class config)", hot, "s", target="< 1.5 s",
                    ok=med < 1.5, group="serving", note=f"{opens} page opens, 8 s apart, pool of 2 refilling"))
    rows.append(row("of which the server's response (preheated)", hot_response, "s", group="serving",
                    note="navigation responseEnd: the whole page has arrived; the rest is the browser"))
    floor, floor_response, _, _ = measure("app", opens, notebook=ONE_WIDGET)
    rows.append(row("Voila's own start: one-widget page, response end -> input live",
                    [t - r for t, r in zip(floor, floor_response)], "s", group="serving",
                    note="benchmarks/notebooks/one_widget.ipynb: the browser-side floor of any page of this stack"))
    rss = [k["rss"] for k in kernels + kernels_c]
    uss = [k["uss"] for k in kernels + kernels_c]
    rows.append(row("one designer kernel, RSS", rss, "MB", target="< 150 MB", ok=sorted(rss)[len(rss) // 2] < 150,
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
