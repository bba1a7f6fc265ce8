"""A whole class opening the designer at the same moment, in one Chromium on this machine.

    .venv/bin/python benchmarks/class_burst.py                      # 12 pages -> results/burst.md
    .venv/bin/python benchmarks/class_burst.py --pool 2             # the pool as shipped, smaller than the class
    .venv/bin/python benchmarks/class_burst.py --pages 15 --voila-arg=--VoilaExecutor.iopub_timeout=4

A class-config server (etc/voila/class) serves notebooks/ with a pool of preheated designer kernels as large
as the class (``make serve-class STUDENTS=12``; ``--pool`` sets another size); once its pool is filled, N
pages (one browser context each, as N students) start their navigation together.
Each page notes its own times (``WATCH_JS``, a timer in the page): when its HTML had fully arrived (the
server's part) and when it was usable (the designer's summary table on screen, every output rendered and
every widget view live), from the moment the navigations started; whether it ended blank (no summary after
the limit) and whether the Retry banner showed; and how many of its widgets it asked its kernel for one
by one (ipywidgets' fallback, pressbook.apps.widget_state_wait). tests/browser/test_class_burst.py uses the
same rule: none blank within 150 s, none falling back and all usable within 90 s on a prepared server. Also
the server log's "Timeout waiting for IOPub output" lines and preheated kernels taken out of the pool, and
the CPU time (user + system, s) the server (Voila and its kernels) and the browser (every Chromium process)
spent from the start of the navigations until the last page was usable (or, when one never was, until the
limit: that includes the pool's refill).
The server and the N pages share the machine's cores (students' own computers would each do their
page's share), so these are upper bounds for a class on a server of this size.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from _timing import ROOT, machine, tree_cpu_seconds  # noqa: E402
from bench_designer import CHROMIUM, CHROMIUM_ARGS, start_voila, stop_voila  # noqa: E402

# A page is usable when Voila has rendered everything (as tests/browser/harness.open_app waits for) and the
# designer's summary table is on screen; ``retry``: the page shows the Retry banner. Shared with
# tests/browser/test_class_burst.py.
STATE_JS = """() => {
  const sum = document.querySelector('.pb-summary');
  const usable = !document.getElementById('loading')
    && !document.querySelector('script[type="application/vnd.voila.cell-output+json"]')
    && ![...document.querySelectorAll('.jp-OutputArea-output.lm-Panel')].some(e => e.childElementCount === 0)
    && !!sum && sum.getClientRects().length > 0 && sum.innerText.trim().length > 0;
  return {html: document.readyState === 'complete', usable: usable, retry: !!document.querySelector('.pb-retry')};
}"""


# Run in every page from its first script on: notes (wall clock, ms) when the page's HTML had arrived and when
# it was first usable, and whether it showed the Retry banner. The page's own timer sees the moment; a poll
# from this process waits for a busy page's main thread and would see it late.
WATCH_JS = """(() => {
  const state = STATE_JS;
  const seen = window.__pbSeen = {};
  const timer = setInterval(() => {
    const s = state();
    if (s.html && !seen.html) seen.html = Date.now();
    if (s.retry) seen.retry = true;
    if (s.usable) { seen.usable = Date.now(); clearInterval(timer); }
  }, 100);
})();""".replace("STATE_JS", STATE_JS)


def watch(page) -> None:
    """Make ``page`` note its own times (``WATCH_JS``) in every document it loads."""
    page.add_init_script(WATCH_JS)


def seen(page, t0_wall: float) -> dict:
    """{"html": s or None, "usable": s or None, "retry": bool} since ``t0_wall`` (``time.time()``), as the page
    noted them; all None/False while the page is between documents."""
    try:
        noted = page.evaluate("() => window.__pbSeen || {}")
    except Exception:  # noqa: BLE001 - between documents
        noted = {}

    def since(key):
        return noted[key] / 1000 - t0_wall if noted.get(key) else None

    return {"html": since("html"), "usable": since("usable"), "retry": bool(noted.get("retry"))}


def count_state_requests(page, counts: list[int], i: int) -> None:
    """Count in ``counts[i]`` the page's messages that ask its kernel for one widget's state: ipywidgets'
    fallback when the answer to its single request for all states is late (pressbook.apps.widget_state_wait).
    Only the page's own (small) frames are looked at."""
    def on_frame(payload):
        if b'"request_state"' in (payload.encode() if isinstance(payload, str) else payload):
            counts[i] += 1

    page.on("websocket", lambda ws: ws.on("framesent", on_frame))


def burst(pages: int, limit: float, voila_args=(), pool: int | None = None) -> dict:
    """Open ``pages`` pages at once on a class server whose pool holds ``pool`` kernels (default: ``pages``)."""
    from playwright.sync_api import sync_playwright

    tmp = Path(tempfile.mkdtemp(prefix="pb-burst-"))
    log = tmp / "voila.log"
    pool = pages if pool is None else pool
    proc, port = start_voila("class", ROOT / "notebooks", log,
                             args=[f"--VoilaConfiguration.default_pool_size={pool}", *voila_args])
    try:
        deadline = time.monotonic() + 120 + 15 * pool
        while "Kernel pool of designer.ipynb is filled" not in log.read_text(errors="replace"):
            if time.monotonic() > deadline:
                raise RuntimeError(f"the preheated pool ({pool} kernels) was not filled in time")
            time.sleep(0.25)
        time.sleep(2.0)
        url = f"http://127.0.0.1:{port}/voila/render/designer.ipynb?preset=three-step"
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            tabs = [browser.new_context(viewport={"width": 1280, "height": 900}).new_page() for _ in range(pages)]
            asked_each = [0] * pages
            for i, tab in enumerate(tabs):
                watch(tab)
                count_state_requests(tab, asked_each, i)
            load_before = os.getloadavg()
            cpu_server, cpu_browser = tree_cpu_seconds(proc.pid), tree_cpu_seconds(os.getpid(), skip_pid=proc.pid)
            t0, t0_wall = time.monotonic(), time.time()
            for tab in tabs:  # returns at once: every request is in flight within a few ms
                tab.evaluate("(u) => { window.location.href = u; }", url)
            html, usable, retry = [None] * pages, [None] * pages, [False] * pages
            peak_load = 0.0
            while time.monotonic() - t0 < limit and None in usable:
                for i, tab in enumerate(tabs):
                    if usable[i] is None:
                        state = seen(tab, t0_wall)
                        html[i], usable[i], retry[i] = state["html"], state["usable"], retry[i] or state["retry"]
                peak_load = max(peak_load, os.getloadavg()[0])
                time.sleep(0.25)
            load_after = os.getloadavg()
            cpu_server = tree_cpu_seconds(proc.pid) - cpu_server
            cpu_browser = tree_cpu_seconds(os.getpid(), skip_pid=proc.pid) - cpu_browser
            browser.close()
    finally:
        stop_voila(proc)
    text = log.read_text(errors="replace")
    done = [t for t in usable if t is not None]
    return {
        "pages": pages, "pool": pool, "limit_s": limit, "voila_args": list(voila_args),
        "html_s": html, "usable_s": usable, "retry_banner": retry,
        "usable": len(done), "blank": pages - len(done),
        "pages_asking_each_widget": sum(1 for n in asked_each if n), "single_state_requests": asked_each,
        "median_s": statistics.median(done) if done else None, "max_s": max(done) if done else None,
        "iopub_timeouts": text.count("Timeout waiting for IOPub output"),
        "replaced_pool_kernels": text.count("not handed out"),
        "cpu_server_s": cpu_server, "cpu_browser_s": cpu_browser,
        "load_before": load_before, "load_after": load_after, "peak_load_1min": peak_load,
    }


def _fmt(values):
    return ", ".join("never" if v is None else f"{v:.1f}" for v in values)


def write_report(results: list[dict], out: Path) -> None:
    lines = ["# A class opening the designer at the same moment", "",
             f"Command: `python benchmarks/class_burst.py {' '.join(sys.argv[1:])}`  ",
             f"Machine: {json.dumps(machine())}", ""]
    for r in results:
        lines += [f"## {r['pages']} pages at once, a pool of {r['pool']} preheated kernels, other Voila options "
                  f"{r['voila_args'] or 'as shipped'}", "",
                  f"- usable: {r['usable']} of {r['pages']} within {r['limit_s']:.0f} s; blank: {r['blank']}",
                  f"- usable after (s): {_fmt(r['usable_s'])}",
                  f"- median {r['median_s'] if r['median_s'] is None else round(r['median_s'], 1)} s, "
                  f"max {r['max_s'] if r['max_s'] is None else round(r['max_s'], 1)} s",
                  f"- page HTML complete after (s): {_fmt(r['html_s'])}",
                  f"- Retry banner shown on {sum(r['retry_banner'])} page(s)",
                  f"- pages that asked for each widget's state separately (ipywidgets' fallback): "
                  f"{r['pages_asking_each_widget']}",
                  f"- server log: {r['iopub_timeouts']} \"Timeout waiting for IOPub output\", "
                  f"{r['replaced_pool_kernels']} preheated kernel(s) not handed out",
                  "- CPU time until the last page was usable or the limit: server (Voila and kernels) "
                  f"{r['cpu_server_s']:.1f} s, browser (Chromium) {r['cpu_browser_s']:.1f} s",
                  "- load average (1, 5, 15 min) before: " + " ".join(f"{x:.2f}" for x in r["load_before"])
                  + "; after: " + " ".join(f"{x:.2f}" for x in r["load_after"])
                  + f"; highest 1-min value seen: {r['peak_load_1min']:.2f}", ""]
    out.write_text("\n".join(lines))
    out.with_suffix(".json").write_text(json.dumps(results, indent=1))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pages", type=int, nargs="+", default=[12])
    ap.add_argument("--limit", type=float, default=180.0, help="seconds to wait for every page")
    ap.add_argument("--pool", type=int, nargs="+", default=[None],
                    help="preheated designer kernels (default: as many as pages); several: one run each")
    ap.add_argument("--voila-arg", action="append", default=[], help="an extra Voila option (repeatable)")
    ap.add_argument("--out", type=Path, default=HERE / "results" / "burst.md")
    args = ap.parse_args(argv)
    results = []
    for n in args.pages:
        for pool in args.pool:
            r = burst(n, args.limit, args.voila_arg, pool)
            print(json.dumps(r), flush=True)
            results.append(r)
    write_report(results, args.out)
    print(args.out.read_text())
    return 0


if __name__ == "__main__":
    sys.exit(main())
