"""Designer update latency: after a change, how long until every view is updated (issue 3: < 100 ms).

    .venv/bin/python benchmarks/bench_designer.py            # server side + browser, writes results/designer.json
    .venv/bin/python benchmarks/bench_designer.py --quick    # fewer changes
    .venv/bin/python benchmarks/bench_designer.py --no-browser

Server side (in this process, no kernel): a step's pressure is set (1) on the state and (2) on the
pressure input widget; timed until simulate has run and every view (Bokeh sources, with their
document patches serialised, summary, risks, compare, share link) has been updated.
Browser: a real Voila server and Debian's Chromium; in the page, the pressure input gets a new value
and a change event; timed (performance.now) until both the summary table and the BokehJS
ColumnDataSource 'pb-points' show the new result (the first figure), and until every figure's data has
been replaced in BokehJS (all views); 300 ms between changes, as a user's pace. Also the page's time to
interactive.
Also a plug-in of benchmarks/run_all.py (``run(quick)`` returns rows).
"""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from _timing import ROOT, machine, row  # noqa: E402

NOTEBOOK = ROOT / "notebooks" / "designer.ipynb"
CHROMIUM = os.environ.get("PRESSBOOK_CHROMIUM") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost"]
TARGET_MS = 100.0


def pressures(n: int) -> list[float]:
    """n distinct cathode-bonding pressures (MPa), alternating so that every change is a change."""
    return [380.0 + (37 * k) % 120 + 0.5 * (k % 2) for k in range(n)]


# ------------------------------------------------------------------ server side
def server_side(n: int) -> list[dict]:
    from pressbook.apps.designer.app import build_designer
    from pressbook.apps.common import find_widgets as _find

    app = build_designer("preset=three-step")
    state = app.state
    t_state = []
    for p in pressures(n + 2)[2:]:
        t0 = time.perf_counter()
        state.set_field("steps.2.pressure", p)
        t_state.append(1e3 * (time.perf_counter() - t0))
        assert state.outcome.design.steps[1].pressure == p and not state.errors
    box = _find(app, "pb-step-2")[0]
    pressure = _find(box, "pb-step-pressure")[0]
    t_widget = []
    for p in pressures(n + 3)[3:]:
        t0 = time.perf_counter()
        pressure.value = p
        t_widget.append(1e3 * (time.perf_counter() - t0))
        assert state.outcome.design.steps[1].pressure == p
    t_sim = []
    from pressbook import simulate

    for p in pressures(n):
        d = state.design.copy()
        d.steps[1].pressure = p
        t0 = time.perf_counter()
        simulate(d)
        t_sim.append(1e3 * (time.perf_counter() - t0))
    ok = lambda v: sorted(v)[len(v) // 2] < TARGET_MS  # noqa: E731
    return [
        row("state change -> all views updated (server)", t_state, "ms", target="< 100 ms", ok=ok(t_state),
            group="designer", note=f"{n} changes of steps.2.pressure on the state"),
        row("pressure widget -> all views updated (server)", t_widget, "ms", target="< 100 ms", ok=ok(t_widget),
            group="designer", note=f"{n} changes of the pressure input's value"),
        row("of which simulate(design)", t_sim, "ms", group="designer", note="validation + simulate"),
    ]


# ------------------------------------------------------------------ browser
CHANGE_JS = """async (value) => {
  // Event-driven (no polling, which would take the main thread from the page): a MutationObserver on the
  // summary and BokehJS's change signal of each figure's source record when each view got its data.
  const sources = {};
  for (const doc of Bokeh.documents) for (const m of doc.all_models)
    if (m.type === 'ColumnDataSource' && FIGURE_SOURCES.includes(m.name)) sources[m.name] = m;
  const col = (src, k) => src.data instanceof Map ? src.data.get(k) : src.data[k];
  const cell = () => document.querySelector('.pb-summary td[data-key="total_resistance"]');
  const before = cell().textContent;
  const input = document.querySelector('.pb-step-2 .pb-step-pressure input');
  const times = {}, drawn = {};
  let t0, done;
  const finished = new Promise((resolve) => { done = resolve; });
  const check = () => {
    const now = performance.now() - t0;
    if (times.summary === undefined && cell() && cell().textContent !== before) times.summary = now;
    const P = Math.max(...Array.from(col(sources['pb-points'], 'pressure')));
    if (times.first === undefined && times.summary !== undefined && Math.abs(P - value) < 0.02 * value)
      times.first = Math.max(times.summary, times['pb-points']);
    if (times.first !== undefined && FIGURE_SOURCES.every((k) => drawn[k] !== undefined))
      done([times.first, Math.max(times.summary, ...FIGURE_SOURCES.map((k) => times[k])),
            Math.max(...FIGURE_SOURCES.map((k) => drawn[k]))]);
  };
  const observer = new MutationObserver(check);
  observer.observe(document.querySelector('.pb-summary'), {subtree: true, childList: true, characterData: true});
  const slots = Object.entries(sources).map(([k, m]) => {
    // BokehJS paints a changed plot in the next animation frame; a frame callback asked for after the
    // change runs after that paint: ~ the figure drawn
    const slot = () => {
      if (times[k] !== undefined) return;
      times[k] = performance.now() - t0;
      requestAnimationFrame(() => { drawn[k] = performance.now() - t0; check(); });
      check();
    };
    m.properties.data.change.connect(slot);
    return [m, slot];
  });
  t0 = performance.now();
  input.value = String(value);
  input.dispatchEvent(new Event('input', {bubbles: true}));
  input.dispatchEvent(new Event('change', {bubbles: true}));
  const timeout = new Promise((_, reject) => setTimeout(() => reject(new Error('no update within 10 s')), 10000));
  try {
    return await Promise.race([finished, timeout]);
  } finally {
    observer.disconnect();
    for (const [m, slot] of slots) m.properties.data.change.disconnect(slot);
  }
}"""
# one source per figure: every figure's data has arrived when each of these has changed
FIGURE_SOURCES = ["pb-points", "pb-xs_layers", "pb-hist_lines", "pb-imp"]
CHANGE_JS = CHANGE_JS.replace("FIGURE_SOURCES", json.dumps(FIGURE_SOURCES))

READY_JS = """() => !document.getElementById('loading')
  && document.querySelectorAll('script[type="application/vnd.voila.cell-output+json"]').length === 0
  && document.querySelector('.pb-step-2 .pb-step-pressure input') !== null
  && window.Bokeh !== undefined && Bokeh.documents.length >= 4"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_voila(config: str, target: Path, log_path: Path, args=()) -> tuple[subprocess.Popen, int]:
    """A Voila server on a free loopback port with etc/voila/<config>, serving ``target`` (``args``: more Voila
    options); waits for the port."""
    port = _free_port()
    env = dict(os.environ, JUPYTER_PLATFORM_DIRS="1", JUPYTER_CONFIG_DIR=str(log_path.parent / "jupyter"))
    log = open(log_path, "w")
    proc = subprocess.Popen([sys.executable, "-m", "voila", str(target), "--no-browser", f"--port={port}",
                             "--Voila.ip=127.0.0.1", "--Voila.port_retries=0",
                             f"--Voila.config_file_paths={ROOT / 'etc' / 'voila' / config}", *args],
                            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return proc, port
        except OSError:
            time.sleep(0.1)
    stop_voila(proc)
    raise RuntimeError(f"Voila ({config}) did not listen on {port}")


def stop_voila(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        pass
    try:
        os.killpg(proc.pid, 9)
    except (ProcessLookupError, PermissionError):
        pass


def browser(n: int) -> list[dict]:
    if not os.access(CHROMIUM, os.X_OK):
        return [row("browser benchmark skipped", [0], "", group="designer", note=f"no Chromium at {CHROMIUM}")]
    from playwright.sync_api import sync_playwright

    tmp = Path(tempfile.mkdtemp(prefix="pb-bench-"))
    proc, port = start_voila("app", NOTEBOOK, tmp / "voila.log")
    try:
        with sync_playwright() as p:
            b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            page = b.new_page(viewport={"width": 1280, "height": 900})
            t0 = time.perf_counter()
            page.goto(f"http://127.0.0.1:{port}/?preset=three-step", timeout=120_000)
            page.wait_for_function(READY_JS, timeout=120_000, polling=50)
            page.wait_for_function("() => { for (const d of Bokeh.documents) for (const m of d.all_models) "
                                   "if (m.name === 'pb-points') return true; return false; }", timeout=60_000)
            tti = time.perf_counter() - t0
            page.wait_for_timeout(500)
            first, every, drawn = [], [], []
            for p_ in pressures(n + 4)[4:]:
                page.wait_for_timeout(300)  # a user's pace: the previous update has been drawn
                t_first, t_every, t_drawn = page.evaluate(CHANGE_JS, p_)
                first.append(t_first)
                every.append(t_every)
                drawn.append(t_drawn)
            page.close(run_before_unload=True)
            b.close()
    finally:
        stop_voila(proc)
    med = lambda v: sorted(v)[len(v) // 2]  # noqa: E731
    return [
        row("pressure input -> summary + compaction data updated (browser)", first, "ms", target="< 100 ms",
            ok=med(first) < TARGET_MS, group="designer",
            note=f"{n} changes in Chromium through Voila (round trip to the kernel); the first figure"),
        row("pressure input -> every table and figure updated (browser)", every, "ms", target="< 50 ms",
            ok=med(every) < 50, group="designer",
            note="the summary and the data of all four figures in BokehJS"),
        row("pressure input -> every figure drawn (browser)", drawn, "ms", group="designer",
            note="the animation frame after each figure's data arrived (BokehJS paints in it)"),
        row("designer page: time to interactive (browser)", [tti], "s", group="designer",
            note="goto until every widget and BokehJS document is live (one page, app config)"),
    ]


def run(quick: bool = False, with_browser: bool = True) -> list[dict]:
    n = 15 if quick else 50
    rows = server_side(n)
    if with_browser:
        rows += browser(n)
    return rows


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    rows = run(quick="--quick" in argv, with_browser="--no-browser" not in argv)
    out = HERE / "results" / "designer.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"machine": machine(), "rows": rows}, indent=2))
    print(f"{'benchmark':58} {'median':>9} {'min':>9} {'max':>9}  unit  n   target")
    for r in rows:
        print(f"{r['name']:58} {r['median']:9.2f} {r['min']:9.2f} {r['max']:9.2f}  {r['unit']:4}  {r['n']:<3} "
              f"{r['target']} {'' if r['ok'] is None else ('ok' if r['ok'] else 'MISSED')}")
    print(f"written: {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
