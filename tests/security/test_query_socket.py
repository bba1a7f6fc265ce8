"""The preheated kernels' query socket cannot be used to hang other visitors (issue 14, Found-1).

Voila 0.5.13's ``RequestInfoSocketHandler.on_close`` deletes the *last* waiter of its
class-level dict when the closing socket is no longer registered.  The attack: open
three websockets to ``/voila/query/<some id>`` (no cookie needed), close the 3rd, then
the 1st, then the 2nd; the 1st and 2nd remove the waiters of the preheated kernels and
the next visitors' pages stop at "Executing 2 of 3".  ``pressbook.apps.serving`` registers
a corrected handler (``QuerySocketHandler``) through the class configuration.
"""

from __future__ import annotations

import time
import uuid

import pytest
from harness import ROOT, open_app, watch

DESIGNER = ROOT / "notebooks" / "designer.ipynb"
POOL_FILLED = "Kernel pool of designer.ipynb is filled"


def _query_socket(base_url: str, kernel_id: str):
    import websocket

    ws_url = base_url.replace("http://", "ws://") + f"voila/query/{kernel_id}"
    return websocket.create_connection(ws_url, timeout=10)


def _kernels_waiting(port: int) -> int:
    """How many kernels of the Voila server on ``port`` hold a connection to it (the query socket)."""
    import psutil

    servers = [p for p in psutil.process_iter(["cmdline"])
               if f"--port={port}" in (p.info["cmdline"] or []) and "voila" in " ".join(p.info["cmdline"])]
    count = 0
    for server in servers:
        for child in server.children(recursive=True):
            try:
                if "ipykernel" in " ".join(child.cmdline()) and any(
                    c.raddr and c.raddr.port == port and c.status == psutil.CONN_ESTABLISHED
                    for c in child.net_connections(kind="tcp")
                ):
                    count += 1
            except psutil.Error:
                pass
    return count


def _wait_for_waiting_kernels(port: int, count: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while _kernels_waiting(port) < count:
        assert time.monotonic() < deadline, f"fewer than {count} preheated kernels reached their query socket"
        time.sleep(0.5)


def _attack(base_url: str) -> None:
    kernel_id = str(uuid.uuid4())
    sockets = [_query_socket(base_url, kernel_id) for _ in range(3)]
    for index in (2, 0, 1):
        sockets[index].close()
        time.sleep(0.3)  # let the server run each on_close before the next


@pytest.mark.browser
def test_closed_query_sockets_do_not_hang_the_next_visitors(voila, browser):
    url = voila(DESIGNER, config="class", wait_for=POOL_FILLED, timeout=120)
    _wait_for_waiting_kernels(int(url.rstrip("/").rsplit(":", 1)[1]), 2, 120)
    _attack(url)
    time.sleep(1.0)
    for visitor in range(2):  # the two preheated kernels the attack aimed at
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        watch(page)
        try:
            start = time.monotonic()
            open_app(page, url + "?preset=three-step", timeout=20_000)
            page.locator(".pb-fig-compaction canvas").first.wait_for(timeout=20_000)
            elapsed = time.monotonic() - start
            assert elapsed < 20, f"visitor {visitor + 1}: page complete after {elapsed:.1f} s"
        finally:
            page.close(run_before_unload=True)
            context.close()


def test_query_socket_removes_only_its_own_waiter():
    """The corrected handler's bookkeeping, without a server: the replayed order leaves
    the pooled kernels' waiters in place."""
    from voila.request_info_handler import RequestInfoSocketHandler

    from pressbook.apps.serving import QuerySocketHandler

    waiters = RequestInfoSocketHandler._waiters
    saved = dict(waiters)
    waiters.clear()
    try:
        pooled = {f"pool-{i}": object() for i in range(2)}
        waiters.update(pooled)
        sockets = []
        for _ in range(3):
            sock = QuerySocketHandler.__new__(QuerySocketHandler)
            sock._kernel_id = "attacker"
            waiters["attacker"] = sock  # as Voila's open(): the last one wins
            sockets.append(sock)
        for index in (2, 0, 1):
            sockets[index].on_close()
        assert waiters == pooled
    finally:
        waiters.clear()
        waiters.update(saved)
