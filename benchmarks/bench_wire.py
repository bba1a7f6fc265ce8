"""Bytes on the wire of the designer's first visit and of the apps after it (issue 25).

    .venv/bin/python benchmarks/bench_wire.py            # 3 visits per server setting, writes results/wire.json
    .venv/bin/python benchmarks/bench_wire.py --quick    # 1

A real Voila server with etc/voila/app serves the notebooks folder; Debian's Chromium opens the designer in a
fresh browser context (a student's first visit), then, in the same context, the protocol card (the next app of the
route), the process map (an app with figures) and the designer again (a repeat visit): what is cached is not fetched
again. Bytes: the sum of Chrome's ``encodedDataLength`` (headers and body as received, after compression) of every
request, from the DevTools protocol's Network events, until the page is live and the network has been quiet for 1 s.
Two server settings in
turn, in the same run: as shipped (etc/voila/offline.py: gzip, pressbook.apps.transfer) and with Voila's defaults
(``--Voila.tornado_settings={}``: nothing compressed, Voila's cache headers); BokehJS is the template's static file in
both (pressbook.apps.bokehjs; before it, each page inlined it: README, Performance). Also
counted: requests to a host other than this machine (the offline template: must be 0), and the page's own HTML. A
plug-in of run_all.py.
"""
from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from _timing import ROOT, row, write_rows  # noqa: E402
from bench_designer import CHROMIUM, CHROMIUM_ARGS, start_voila, stop_voila  # noqa: E402

NOTEBOOKS = ROOT / "notebooks"
#: a student's route, in one browser context: the designer first, then the route's next app (no figure), then an
#: app with Bokeh figures, then the designer again (a repeat visit: what the cache does not hold)
ROUTE = {"designer": "designer.ipynb?preset=three-step", "protocol card": "protocol_card.ipynb",
         "process map": "process_map.ipynb", "designer again": "designer.ipynb?preset=three-step"}
SETTINGS = {"as shipped": [], "Voila's defaults": ["--Voila.tornado_settings={}"]}
#: the page is live: Voila has rendered every output and every widget view (as tests/browser/harness.py)
READY_JS = """() => !document.getElementById('loading')
  && document.querySelectorAll('script[type="application/vnd.voila.cell-output+json"]').length === 0
  && ![...document.querySelectorAll('.jp-OutputArea-output.lm-Panel')].some(e => e.childElementCount === 0)"""
TARGETS_MB = {"first": 1.5, "next": 0.3}  # issue 25: designer first visit, the next app after it


def visit(context, url: str) -> dict:
    """{'bytes', 'requests', 'remote', 'page'} of one page open in ``context`` (a Playwright browser context);
    ``page``: the bytes of the HTML page itself."""
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    sent, received, remote, documents = set(), {}, [], set()

    def on_request(e):
        u = e["request"]["url"]
        if u.startswith(("http:", "https:", "ws:", "wss:")):
            sent.add(e["requestId"])
            if e.get("type") == "Document":
                documents.add(e["requestId"])
            if urlsplit(u).hostname not in ("127.0.0.1", "localhost"):
                remote.append(u)

    cdp.on("Network.requestWillBeSent", on_request)
    cdp.on("Network.loadingFinished", lambda e: received.__setitem__(e["requestId"], e["encodedDataLength"]))
    page.goto(url, timeout=120_000)
    page.wait_for_function(READY_JS, timeout=120_000, polling=100)
    quiet, count = 0, -1
    while quiet < 4:  # 1 s without a new request
        page.wait_for_timeout(250)
        quiet, count = (quiet + 1, count) if len(sent) == count else (0, len(sent))
    result = {"bytes": sum(received.get(i, 0) for i in sent), "requests": len(sent), "remote": len(remote),
              "page": sum(received.get(i, 0) for i in documents)}
    cdp.detach()
    page.close(run_before_unload=True)
    return result


def measure(repeats: int) -> dict:
    """{setting: {app: [visits]}}: ``repeats`` routes per setting, settings in turn."""
    from playwright.sync_api import sync_playwright

    out = {s: {app: [] for app in ROUTE} for s in SETTINGS}
    tmp = Path(tempfile.mkdtemp(prefix="pb-bench-wire-"))
    servers = {s: start_voila("app", NOTEBOOKS, tmp / f"voila-{i}.log", args) for i, (s, args) in
               enumerate(SETTINGS.items())}
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            for _ in range(repeats):
                for setting, (_proc, port) in servers.items():
                    base = f"http://127.0.0.1:{port}/voila/render/"
                    context = browser.new_context(viewport={"width": 1280, "height": 900})
                    for app, path in ROUTE.items():
                        out[setting][app].append(visit(context, base + path))
                    context.close()
            browser.close()
    finally:
        for proc, _port in servers.values():
            stop_voila(proc)
    return out


def run(quick: bool = False) -> list[dict]:
    if not os.access(CHROMIUM, os.X_OK):
        return [row("wire benchmark skipped", [0], "", group="wire", note=f"no Chromium at {CHROMIUM}")]
    repeats = 1 if quick else 3
    data = measure(repeats)
    med = lambda v: sorted(v)[len(v) // 2]  # noqa: E731
    rows = []
    shipped, before = SETTINGS
    first, *later = ROUTE
    labels = {first: "designer first visit", **{app: f"{app} after the designer" for app in later},
              "designer again": "designer again (repeat visit)"}
    for visit_, label in labels.items():
        for setting in SETTINGS:
            visits = data[setting][visit_]
            mb = [v["bytes"] / 1e6 for v in visits]
            goal = TARGETS_MB["first" if visit_ == first else "next"]
            target = f"<= {goal} MB" if setting == shipped else ""
            rows.append(row(f"{label}: bytes on the wire, {setting}", mb, "MB", group="wire", target=target,
                            ok=med(mb) <= goal if target else None,
                            note=f"{med([v['requests'] for v in visits])} requests, of which "
                                 f"{sum(v['remote'] for v in visits)} to another host; the HTML page "
                                 f"{med([v['page'] for v in visits]) / 1e6:.3f} MB (medians of {len(mb)} visits)"))
        medians = {s: med([v["bytes"] for v in data[s][visit_]]) for s in SETTINGS}
        ratio = medians[before] / max(1, medians[shipped])
        rows.append(row(f"{label}: {before} / as shipped", [ratio], "x", group="wire",
                        note="ratio of the two medians above (same run)"))
    return rows


def main(argv=None) -> int:
    write_rows("wire", run(quick="--quick" in (sys.argv[1:] if argv is None else argv)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
