"""Floods from one page are bounded in the class server (issue 27, item 2).

Before: widget-message floods grew the Voila server to 5.1 GB, and 30 s of ``request_states`` queued about 2
hours of kernel work.  ``pressbook.apps.flood_guard`` bounds what one kernel websocket may send (messages and
bytes, token buckets: past them the socket is closed, code 1008) and forwards ``request_states`` at most
``MAX_STATE_REQUESTS`` times per kernel; a socket whose page leaves more than ``MAX_UNREAD_BYTES`` of answers
unread is closed.  Replayed against a real Voila server (the class configuration, the
smoke app with its widgets) while another visitor's kernel must keep answering within 1 s.
"""
from __future__ import annotations

import time
import uuid

import pytest
from sockets import close_code, kernel_socket, round_trip
from test_voila_security import _msg, _open_kernel, _v1_frame, _v1_parse, class_root, serve_class  # noqa: F401

from pressbook.apps.flood_guard import (BYTE_BURST, BYTES_PER_S, MAX_STATE_REQUESTS, MAX_UNREAD_BYTES,
                                        MESSAGE_BURST, Budget, TokenBucket)

APP = "/voila/render/app.ipynb"


@pytest.fixture(scope="module")
def flood_server(class_root, tmp_path_factory):
    with serve_class(class_root, ["--LimitedKernelManager.max_kernels_per_visitor=0"],
                     tmp_path_factory.mktemp("log")) as server:
        yield server


def test_the_budget_refills_at_its_rate():
    now = [0.0]
    bucket = TokenBucket(rate=10, burst=20, clock=lambda: now[0])
    assert all(bucket.take() for _ in range(20)) and not bucket.take()
    now[0] = 0.5  # 5 tokens back
    assert sum(bucket.take() for _ in range(10)) == 5
    budget = Budget(clock=lambda: now[0])
    assert budget.over(1000) == ""
    assert "MB at once" in budget.over(30_000_000)


def _pair(server):
    port = server.port
    victim_id, victim_cookie, _ = _open_kernel(port, APP)
    attacker_id, attacker_cookie, _ = _open_kernel(port, APP)
    return kernel_socket(port, victim_id, victim_cookie), kernel_socket(port, attacker_id, attacker_cookie)


def test_request_states_is_answered_a_few_times_per_page(flood_server):
    import websocket

    victim, attacker = _pair(flood_server)
    try:
        round_trip(victim)
        control = uuid.uuid4().hex
        opening = _msg("comm_open", {"comm_id": control, "target_name": "jupyter.widget.control", "data": {}})
        opening["metadata"] = {"version": "1.0.0"}  # ipywidgets' control protocol, as a page sends it
        attacker.send_binary(_v1_frame(opening))
        for _ in range(40):
            attacker.send_binary(_v1_frame(_msg("comm_msg", {"comm_id": control,
                                                             "data": {"method": "request_states"}})))
        answered = round_trip(victim)
        assert answered < 1.0, f"another kernel answered after {answered:.2f} s"
        answers, deadline = 0, time.monotonic() + 8
        attacker.settimeout(1)
        while time.monotonic() < deadline:
            try:
                _channel, header, _parent, content = _v1_parse(attacker.recv())
            except websocket.WebSocketTimeoutException:
                continue
            if header["msg_type"] == "comm_msg" and content.get("data", {}).get("method") == "update_states":
                answers += 1
        assert 1 <= answers <= MAX_STATE_REQUESTS, f"{answers} answers to 40 request_states"
    finally:
        victim.close()
        attacker.close()
    assert flood_server.wait_log("request_states from 127.0.0.1 dropped", 10)


def test_a_message_flood_closes_its_socket_and_the_server_stays_small(flood_server):
    import psutil

    victim, attacker = _pair(flood_server)
    server = psutil.Process(flood_server.proc.pid)
    try:
        round_trip(victim)
        rss_before = server.memory_info().rss
        update = _v1_frame(_msg("comm_msg", {"comm_id": uuid.uuid4().hex,
                                             "data": {"method": "update", "state": {"value": "x" * 1000}}}))
        sent = 0
        try:
            for _ in range(int(MESSAGE_BURST) * 5):
                attacker.send_binary(update)
                sent += 1
        except OSError:  # closed by the server mid-flood
            pass
        answered = round_trip(victim)
        assert answered < 1.0, f"another kernel answered after {answered:.2f} s"
        assert close_code(attacker) == 1008
        grown = (server.memory_info().rss - rss_before) / 2**20
        assert grown < 50, f"the server grew by {grown:.0f} MB after {sent} messages"
    finally:
        victim.close()
        attacker.close()
    assert flood_server.wait_log("websocket closed: message flood from 127.0.0.1", 10)


def _rss_mb(process) -> float:
    return process.memory_info().rss / 2**20


def test_a_socket_that_never_reads_is_closed_and_the_server_gives_the_memory_back(flood_server):
    """Before: a socket that never read its answers grew the server by 1.1 GB, kept after close.  Here the page
    opens a text widget and sets it to 2 MB values within its own budget (bursts, then under 1 MB/s); ipywidgets
    echoes every value to each socket of the kernel, and this one reads nothing (a 4 KB receive buffer): past
    ``MAX_UNREAD_BYTES`` waiting in the server, the socket is closed (1008)."""
    import threading

    import psutil
    import websocket

    port = flood_server.port
    victim_id, victim_cookie, _ = _open_kernel(port, APP)
    attacker_id, attacker_cookie, _ = _open_kernel(port, APP)
    victim = kernel_socket(port, victim_id, victim_cookie)
    attacker = kernel_socket(port, attacker_id, attacker_cookie, receive_buffer=4096)
    server = psutil.Process(flood_server.proc.pid)
    peak, sampling = [0.0], [True]

    def sample():
        while sampling[0]:
            peak[0] = max(peak[0], _rss_mb(server))
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    try:
        round_trip(victim)
        floods_before = flood_server.log_text().count("message flood")
        before = _rss_mb(server)
        sampler.start()
        comm = uuid.uuid4().hex
        opening = _msg("comm_open", {"comm_id": comm, "target_name": "jupyter.widget", "data": {
            "buffer_paths": [], "state": {
                "_model_module": "@jupyter-widgets/controls", "_model_module_version": "2.0.0",
                "_model_name": "TextModel", "_view_module": "@jupyter-widgets/controls",
                "_view_module_version": "2.0.0", "_view_name": "TextView", "value": ""}}})
        opening["metadata"] = {"version": "2.1.0"}  # ipywidgets' protocol, as a page sends it
        attacker.send_binary(_v1_frame(opening))
        value = 2_000_000
        burst = int(BYTE_BURST * 0.8) // value     # within the budget: the guard never sees a flood
        pause = 1.25 * value / BYTES_PER_S
        sent, start = 0, time.monotonic()
        while time.monotonic() - start < 60 and sent < 60:
            update = _msg("comm_msg", {"comm_id": comm, "data": {"method": "update", "buffer_paths": [],
                                                                 "state": {"value": str(sent % 10) * value}}})
            try:
                attacker.send_binary(_v1_frame(update))
            except OSError:                           # closed by the server
                break
            sent += 1
            if sent >= burst:
                time.sleep(pause)
            if flood_server.log_text().count("answers not read from 127.0.0.1"):
                break
        answered = round_trip(victim)
        assert answered < 1.0, f"another kernel answered after {answered:.2f} s"
        assert flood_server.wait_log("websocket closed: answers not read from 127.0.0.1", 20), \
            flood_server.log_text()[-2000:]
        try:  # reading what was sent before the close frame (through a 4 KB buffer) may outlast Tornado's 5 s
            code = close_code(attacker, timeout=30)  # wait for the client's answer: then it drops the connection
        except websocket.WebSocketConnectionClosedException:
            code = None
        assert code in (1008, None), code
        attacker.close()
        sampling[0] = False
        sampler.join()
        time.sleep(3)
        after = _rss_mb(server)
        print(f"{sent} updates of {value / 1e6:g} MB; server RSS {before:.0f} MB, peak {peak[0]:.0f} MB, "
              f"after close {after:.0f} MB")
        bound = MAX_UNREAD_BYTES / 2**20
        assert peak[0] - before < 3 * bound, f"the server grew by {peak[0] - before:.0f} MB (unread bound {bound:.0f} MB)"
        assert after - before < bound, f"{after - before:.0f} MB kept after the socket closed"
        assert flood_server.log_text().count("message flood") == floods_before, "the flood guard closed it instead"
    finally:
        sampling[0] = False
        victim.close()
        attacker.close()
