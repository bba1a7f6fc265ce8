"""Half-sent requests from one address cannot take the class server's connections (issue 27, item 3).

Before: 1,092 idle connections from one client, each with half a request header, used up the server's file
descriptors (Tornado gives a header an hour) and every student's request timed out.  Replayed here at a
test scale on loopback: 300 connections from 127.0.0.2 (on Linux all of 127/8 is this machine) each send
half a header against a real Voila server with a cap of 100 connections per address and a 3 s header
timeout; another client (127.0.0.1) must get its answer within 1 s, the connections over the cap are closed
at once, the rest after the header timeout, and the server's open files return to what they were.
"""
from __future__ import annotations

import time

import pytest
from sockets import ATTACKER, closed, connect_from, wait_until
from test_voila_security import _http, class_root, serve_class  # noqa: F401 (class_root: a fixture)

CONNECTIONS = 300
CAP = 100
HEADER_TIMEOUT = 3.0
HALF_REQUEST = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "


@pytest.fixture(scope="module")
def capped_server(class_root, tmp_path_factory):
    with serve_class(class_root, [f"--LimitedKernelManager.max_connections_per_address={CAP}",
                                  f"--LimitedKernelManager.header_timeout={HEADER_TIMEOUT}"],
                     tmp_path_factory.mktemp("log")) as server:
        yield server


def test_half_requests_from_one_address_leave_the_class_served(capped_server):
    import psutil

    port = capped_server.port
    server = psutil.Process(capped_server.proc.pid)
    assert _http(port, "GET", "/")[0] == 200
    files_before = server.num_fds()
    sockets = []
    try:
        for _ in range(CONNECTIONS):
            sockets.append(connect_from(ATTACKER, port, HALF_REQUEST))
        start = time.monotonic()
        status = _http(port, "GET", "/")[0]
        answered = time.monotonic() - start
        assert status == 200 and answered < 1.0, f"another client waited {answered:.2f} s (status {status})"
        assert wait_until(lambda: sum(map(closed, sockets)) >= CONNECTIONS - CAP, 5), \
            f"{sum(map(closed, sockets))} of {CONNECTIONS} closed; over the cap of {CAP}: at once"
        assert server.num_fds() <= files_before + CAP + 10
        assert wait_until(lambda: all(map(closed, sockets)), HEADER_TIMEOUT + 10), \
            f"{CONNECTIONS - sum(map(closed, sockets))} half requests still open after the header timeout"
        assert wait_until(lambda: server.num_fds() <= files_before + 5, 5), (server.num_fds(), files_before)
    finally:
        for sock in sockets:
            sock.close()
    assert capped_server.wait_log(f"connection from {ATTACKER} closed", 5)
    start = time.monotonic()
    assert _http(port, "GET", "/")[0] == 200 and time.monotonic() - start < 1.0
