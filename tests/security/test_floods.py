"""Floods from one page are bounded in the class server (issue 27, item 2).

Before: widget-message floods grew the Voila server to 5.1 GB, and 30 s of ``request_states`` queued about 2
hours of kernel work.  ``pressbook.apps.flood_guard`` bounds what one kernel websocket may send (messages and
bytes, token buckets: past them the socket is closed, code 1008) and forwards ``request_states`` at most
``MAX_STATE_REQUESTS`` times per kernel.  Replayed against a real Voila server (the class configuration, the
smoke app with its widgets) while another visitor's kernel must keep answering within 1 s.
"""
from __future__ import annotations

import time
import uuid

import pytest
from test_binary_frames import _closed_by_server, _round_trip, _socket
from test_voila_security import _msg, _open_kernel, _v1_frame, _v1_parse, class_root, serve_class  # noqa: F401

from pressbook.apps.flood_guard import MAX_STATE_REQUESTS, MESSAGE_BURST, Budget, TokenBucket

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
    return _socket(port, victim_id, victim_cookie, v1=True), _socket(port, attacker_id, attacker_cookie, v1=True)


def test_request_states_is_answered_a_few_times_per_page(flood_server):
    import websocket

    victim, attacker = _pair(flood_server)
    try:
        _round_trip(victim)
        control = uuid.uuid4().hex
        opening = _msg("comm_open", {"comm_id": control, "target_name": "jupyter.widget.control", "data": {}})
        opening["metadata"] = {"version": "1.0.0"}  # ipywidgets' control protocol, as a page sends it
        attacker.send_binary(_v1_frame(opening))
        for _ in range(40):
            attacker.send_binary(_v1_frame(_msg("comm_msg", {"comm_id": control,
                                                             "data": {"method": "request_states"}})))
        answered = _round_trip(victim)
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
        _round_trip(victim)
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
        answered = _round_trip(victim)
        assert answered < 1.0, f"another kernel answered after {answered:.2f} s"
        assert _closed_by_server(attacker) == 1008
        grown = (server.memory_info().rss - rss_before) / 2**20
        assert grown < 50, f"the server grew by {grown:.0f} MB after {sent} messages"
    finally:
        victim.close()
        attacker.close()
    assert flood_server.wait_log("websocket closed: message flood from 127.0.0.1", 10)
