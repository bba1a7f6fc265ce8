"""Faults a class meets (issue 6, Faults), in a real browser against a real Voila:

- a student's kernel is killed mid-session: the page says so and offers a reload
  that restores the design from the URL (Voila 0.5.13 itself shows nothing: the
  widgets just stop answering);
- the server is restarted: the same;
- the URL always encodes the current design (the address bar follows every change);
- a slow computation in a widget callback is stopped by a time limit with a message.

The page guard is `pressbook.apps.serving.page_guard()`; the designer notebook is
notebooks/designer.ipynb with one cell appended that displays the guard (until the
designer shows it itself).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import threading
import time
from pathlib import Path
from urllib.parse import unquote

import psutil
import pytest
from harness import ROOT, open_app, snap, watch
from playwright.sync_api import expect

from pressbook.apps.serving import SimulationTimeout, page_guard_js, time_limit

pytestmark = pytest.mark.browser

DESIGNER = ROOT / "notebooks" / "designer.ipynb"
GUARD_CELL = "from IPython.display import display\nfrom pressbook.apps.serving import page_guard\ndisplay(page_guard())"


def guarded_designer(tmp_path: Path) -> Path:
    """designer.ipynb, plus the page guard unless the designer already shows it."""
    nb = json.loads(DESIGNER.read_text())
    if "page_guard" not in json.dumps(nb):
        nb["cells"].append({"cell_type": "code", "execution_count": None, "id": "pb-guard",
                            "metadata": {}, "outputs": [], "source": GUARD_CELL})
    path = tmp_path / "designer.ipynb"
    path.write_text(json.dumps(nb))
    return path


def server_process(url: str) -> psutil.Process:
    port = url.rstrip("/").rsplit(":", 1)[1]
    for p in psutil.process_iter(["cmdline"]):
        cmd = p.info["cmdline"] or []
        if "voila" in " ".join(cmd) and f"--port={port}" in cmd:
            return p
    raise LookupError(f"no Voila process on port {port}")


def kernels_of(server: psutil.Process) -> list[psutil.Process]:
    return [c for c in server.children(recursive=True) if "ipykernel" in " ".join(c.cmdline())]


def step_pressure(page, step: int):
    return page.locator(f".pb-step-{step} .pb-step-pressure input")


def open_designer(page, url: str):
    open_app(page, url)
    page.locator(".pb-fig-compaction canvas").first.wait_for()
    page.wait_for_function("() => window.__pressbookGuard !== undefined", timeout=30_000)


def change_pressure_and_wait_for_url(page, step: int, value: float) -> None:
    box = step_pressure(page, step)
    box.fill(str(value))
    box.press("Enter")
    # the address bar follows the design (history.replaceState from the guard)
    page.wait_for_function(
        "(v) => decodeURIComponent(window.location.search).includes(v)", arg=f"{value:g}", timeout=30_000
    )


def reload_restores(page, step: int, value: float) -> None:
    """Click the banner's Reload; the new page shows the design from the address, without the banner."""
    page.locator(".pb-session-reload").click()
    page.wait_for_load_state()
    page.wait_for_function(
        f"() => !document.getElementById('loading') && document.querySelector('.pb-step-{step} .pb-step-pressure input')",
        timeout=90_000,
    )
    page.locator(".pb-fig-compaction canvas").first.wait_for()
    expect(step_pressure(page, step)).to_have_value(f"{value:g}", timeout=30_000)
    assert page.locator(".pb-session-lost").count() == 0


def wait_port(port: int, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"nothing listens on {port}")


# ----------------------------------------------------------------------------------------------


def test_url_follows_design_and_kernel_death_offers_reload(voila, page, tmp_path):
    url = voila(guarded_designer(tmp_path))
    open_designer(page, url + "?preset=three-step")

    change_pressure_and_wait_for_url(page, 2, 377)
    query = unquote(page.evaluate("window.location.search"))
    assert "377" in query, query
    assert page.locator(".pb-session-lost").count() == 0

    server = server_process(url)
    kernels = kernels_of(server)
    assert len(kernels) == 1
    kernels[0].kill()  # the student's kernel dies (OOM killer, crash, admin)

    banner = page.locator(".pb-session-lost")
    expect(banner).to_be_visible(timeout=30_000)
    expect(banner).to_contain_text("reload")
    download = page.locator(".pb-session-download")
    assert (download.get_attribute("href") or "").startswith("data:application/toml;base64,")
    snap(page, "kernel-killed")

    reload_restores(page, 2, 377)
    # the new page has a live kernel again: a change still updates the address
    change_pressure_and_wait_for_url(page, 2, 366)


def test_server_restart_offers_reload(browser, tmp_path, monkeypatch):
    """Stop the server under an open page, start it again on the same port."""
    import sys

    from serving_fixtures import VoilaServer

    nb = guarded_designer(tmp_path)
    log = tmp_path / "voila.log"
    first = VoilaServer(nb, "app", [], log)
    port = first.port
    second = None
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    watch(page)
    try:
        assert first.wait_ready(90)
        open_designer(page, first.url + "?preset=co-press")
        change_pressure_and_wait_for_url(page, 1, 333)

        first.stop()  # Voila shuts its kernels down
        banner = page.locator(".pb-session-lost")
        expect(banner).to_be_visible(timeout=30_000)
        snap(page, "server-stopped")

        (tmp_path / "again").mkdir()
        # the same port again
        monkeypatch.setattr(sys.modules[VoilaServer.__module__], "_free_port", lambda: port)
        second = VoilaServer(nb, "app", [], tmp_path / "again" / "voila.log")
        wait_port(port)
        reload_restores(page, 1, 333)
    finally:
        page.close(run_before_unload=True)
        context.close()
        first.stop()
        if second is not None:
            second.stop()


# ---------------------------------------------------------------------------------- time limits


def test_time_limit_stops_a_slow_computation():
    t0 = time.perf_counter()
    with pytest.raises(SimulationTimeout) as err:
        with time_limit(0.3):
            while True:
                sum(range(1000))
    assert time.perf_counter() - t0 < 2
    assert "took longer than 0.3 s" in str(err.value)
    # the timer is gone afterwards
    with time_limit(0.3):
        pass
    time.sleep(0.5)
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_time_limit_is_inert_outside_the_main_thread():
    done = []

    def work():
        with time_limit(0.05):
            time.sleep(0.2)
        done.append(True)

    t = threading.Thread(target=work)
    t.start()
    t.join(5)
    assert done == [True]


def test_time_limit_in_a_widget_callback(voila, page, tmp_path):
    """ipykernel runs widget callbacks in its main thread: the limit works there,
    the message reaches the page, and the kernel answers again afterwards."""
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

    nb = new_notebook(cells=[new_code_cell(
        "import time, ipywidgets as w\n"
        "from pressbook.apps.serving import time_limit, SimulationTimeout\n"
        "s = w.IntSlider(description='n'); out = w.Label('ready'); out.add_class('tl-out')\n"
        "def slow(change):\n"
        "    try:\n"
        "        with time_limit(0.5):\n"
        "            if change['new'] == 1:\n"
        "                while True: sum(range(1000))\n"
        "        out.value = f\"ok {change['new']}\"\n"
        "    except SimulationTimeout as exc:\n"
        "        out.value = str(exc)\n"
        "s.observe(slow, names='value')\n"
        "w.VBox([s, out])")],
        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
    path = tmp_path / "slow.ipynb"
    nbformat.write(nb, path)
    open_app(page, voila(path))
    handle = page.locator(".noUi-handle").first
    handle.focus()
    handle.press("ArrowRight")  # 1: the endless computation
    expect(page.locator(".tl-out")).to_contain_text("took longer than 0.5 s", timeout=20_000)
    handle.press("ArrowRight")  # 2: the kernel answers again
    expect(page.locator(".tl-out")).to_have_text("ok 2", timeout=20_000)


def test_guard_script_is_self_contained():
    js = page_guard_js(poll_seconds=2)
    assert '"pollMs": 2000' in js and "__CONFIG__" not in js
    assert "eval(" not in js and "innerHTML" not in js  # text only, never markup from the page


# ---------------------------------------------------------------------------------- memory limit

FLOOD_JS = """async ([kernelId, sockets, perSocket, items, pauseMs]) => {
  // A crafted client on the page's own kernel that passes the flood guard (pressbook.apps.flood_guard: 24 MB at
  // once, then 1 MB/s, per websocket) and the kernel's 3 MB message cap: each message opens a widget (a
  // TagsInput, whose allowed_tags take any list) with 'items' empty lists, about 1 MB of text that the kernel
  // holds as about 25 MB of Python lists.  Every loop ends when its socket closes or the page knows its
  // session ended.
  const base = JSON.parse(document.getElementById('jupyter-config-data').textContent).baseUrl || '/';
  const url = location.origin.replace(/^http/, 'ws') + base + 'api/kernels/' + kernelId + '/channels?session_id=';
  const lists = '[' + Array(items).fill('[]').join(',') + ']';
  const guard = window.__pressbookGuard;
  const sleep = ms => new Promise(r => setTimeout(r, ms));
  const live = ws => ws.readyState === WebSocket.OPEN && guard.state === 'ok';
  const stats = {sent: 0, bytes: 0, closedByServer: 0};
  const widget = () => {
    const id = crypto.randomUUID().replace(/-/g, '');
    const state = JSON.stringify({_model_module: '@jupyter-widgets/controls', _model_module_version: '2.0.0',
      _model_name: 'TagsInputModel', _view_module: '@jupyter-widgets/controls', _view_module_version: '2.0.0',
      _view_name: 'TagsInputView', value: [], allowed_tags: 0}).replace('"allowed_tags":0', '"allowed_tags":' + lists);
    return '{"header": ' + JSON.stringify({msg_id: id, msg_type: 'comm_open', username: 'x', session: 'flood',
                                           date: new Date().toISOString(), version: '5.3'}) +
      ', "parent_header": {}, "metadata": {"version": "2.1.0"}, "channel": "shell", "buffers": [], ' +
      '"content": {"comm_id": "' + id + '", "target_name": "jupyter.widget", "data": {"buffer_paths": [], ' +
      '"state": ' + state + '}}}';
  };
  const flood = async (n) => {
    const ws = new WebSocket(url + 'flood' + n);
    ws.onclose = ev => { if (ev.code === 1008) stats.closedByServer++; };
    await new Promise(ok => { ws.onopen = ok; ws.onerror = ok; });
    for (let i = 0; i < perSocket && live(ws); i++) {
      const message = widget();
      ws.send(message);
      stats.sent++;
      stats.bytes += message.length;
      while (live(ws) && ws.bufferedAmount > 0) await sleep(20);  // ends when the socket closes
      await sleep(pauseMs);
    }
    ws.close();
  };
  await Promise.all(Array.from({length: sockets}, (_, n) => flood(n)));
  return stats;
}"""

#: the attack's shape: one socket, up to 30 messages of about 1.1 MB, 0.5 s apart (within the guard's budget:
#: 24 MB at once, then 0.5 MB back per message), each under the kernel's 3 MB cap (which counts 8 bytes per list
#: item) and held by the kernel as about 25 MB (a designer kernel holds about 260-320 MB of data before it).
#: The kernel reads a message in about 1-2 s, so the client has sent more than it read: 18 when it died (once)
SOCKETS, PER_SOCKET, ITEMS, PAUSE_MS = 1, 30, 360_000, 500


def test_a_kernel_over_its_memory_limit_is_restarted_and_the_reload_keeps_the_design(voila, page, tmp_path,
                                                                                       monkeypatch):
    """The class config (preheated designer), the kernels' memory limit set low (500 MB; shipped 1500 MB):
    a crafted client that stays within the flood guard's budget and the kernel's message cap, with widget
    messages that the kernel holds at about 25 times their size, fills the student's kernel until it hits the limit; the kernel exits, the server restarts it, the page offers a
    reload, and the reload brings the student's design back. The flood guard closed none of its sockets."""
    monkeypatch.setenv("PRESSBOOK_KERNEL_MEMORY_MB", "500")
    url = voila(guarded_designer(tmp_path), config="class", args=["--VoilaConfiguration.default_pool_size=1"],
                wait_for="Kernel pool of designer.ipynb is filled")
    open_designer(page, url + "?preset=three-step")
    change_pressure_and_wait_for_url(page, 2, 377)
    kernel_id = page.evaluate("JSON.parse(document.getElementById('jupyter-config-data').textContent).kernelId")
    stats = page.evaluate(FLOOD_JS, [kernel_id, SOCKETS, PER_SOCKET, ITEMS, PAUSE_MS])
    print(f"flood: {stats}")
    banner = page.locator(".pb-session-lost")
    expect(banner).to_be_visible(timeout=60_000)
    expect(banner).to_contain_text("reload")
    snap(page, "kernel-out-of-memory")
    assert stats["sent"] < SOCKETS * PER_SOCKET, f"the kernel never reached its limit: {stats}"
    assert stats["closedByServer"] == 0, f"the flood guard closed sockets: the attack did not pass it: {stats}"

    def server_log() -> str:
        return "".join(p.read_text(errors="replace") for p in tmp_path.glob("voila-*.log"))

    deadline = time.monotonic() + 60  # the server starts the kernel again (jupyter_client's restarter)
    while time.monotonic() < deadline and "restarting kernel" not in server_log():
        time.sleep(0.5)
    log = server_log()
    assert "kernel out of memory" in log and "restarting kernel" in log, log[-3000:]
    assert "message flood" not in log

    reload_restores(page, 2, 377)
    change_pressure_and_wait_for_url(page, 2, 366)  # a live kernel again
