"""One address cannot take every kernel place; when places run short the least active page gives its place
(issue 27, item 4).

Before: GET-only pages from one address, each with the fresh cookie the 307 hands out once the current one
is at its limit, took all places within 45 s, and holding each page's websocket open kept them (students got
503 in 13 of 14 tries).  Replayed here against a real Voila server with the class configuration (a tiny
notebook; ``max_kernels=6``, ``max_kernels_per_address=4``, ``input_grace=6`` s): the script from 127.0.0.2
gets at most 4 kernels whatever cookies it collects (then 429 in plain words), a student from 127.0.0.1 gets
a page and keeps it; when the server is full, a new student's page frees the kernel whose page has sent no
user input for longest (the script's, never the working student's).
"""
from __future__ import annotations

import json
import re
import time
import uuid

import pytest
from sockets import ATTACKER, kernel_socket, round_trip
from test_serving_visitors import APP, NOTEBOOK, Client
from test_voila_security import _msg, _v1_frame, serve_class

from pressbook.apps.class_handlers import is_user_input

PER_ADDRESS = 4
MAX_KERNELS = 6
GRACE = 6.0


@pytest.fixture
def server(tmp_path):
    root = tmp_path / "apps"
    root.mkdir()
    (root / "tiny.ipynb").write_text(json.dumps(NOTEBOOK))
    with serve_class(root, ["--LimitedKernelManager.max_kernels_per_visitor=2",
                            f"--LimitedKernelManager.max_kernels={MAX_KERNELS}",
                            f"--LimitedKernelManager.max_kernels_per_address={PER_ADDRESS}",
                            f"--LimitedKernelManager.input_grace={GRACE}"], tmp_path) as server:
        yield server


def _socket(port: int, client: Client, kernel_id: str):
    """The page's kernel websocket, from the client's address with its cookies."""
    return kernel_socket(port, kernel_id, "; ".join(f"{k}={v}" for k, v in client.jar.items()), source=client.source)


def _kernel_id(body: str) -> str:
    return re.search(r'"kernelId":\s*"([0-9a-f-]{36})"', body).group(1)


def _input(ws) -> None:
    """A widget change, as a student's page sends it (the comm need not exist for the server to see it)."""
    ws.send_binary(_v1_frame(_msg("comm_msg", {"comm_id": uuid.uuid4().hex,
                                               "data": {"method": "update", "state": {"value": 1}}})))


def _kernels(server) -> list[str]:
    return [k for k in re.findall(r"Kernel started: ([0-9a-f-]{36})", server.log_text())
            if f"Kernel shutdown: {k}" not in server.log_text()]


def test_what_counts_as_user_input():
    from jupyter_server.services.kernels.connection.base import serialize_binary_message

    update = _msg("comm_msg", {"comm_id": "c", "data": {"method": "update", "state": {"value": 2}}})
    click = _msg("comm_msg", {"comm_id": "c", "data": {"method": "custom", "content": {"event": "click"}}})
    states = _msg("comm_msg", {"comm_id": "c", "data": {"method": "request_states"}})
    info = _msg("comm_info_request", {"target_name": "jupyter.widget"})
    for msg, expected in ((update, True), (click, True), (states, False), (info, False)):
        assert is_user_input(_v1_frame(msg), v1=True) is expected, msg
        assert is_user_input(json.dumps(msg), v1=False) is expected, msg
        assert is_user_input(serialize_binary_message({**msg, "buffers": [b"x"]}), v1=False) is expected, msg


def test_one_address_collecting_cookies_cannot_take_every_place(server):
    port, sockets = server.port, []
    try:
        held, statuses, refusal = [], [], ""
        for _ in range(8):  # a script: no cookie, then the cookie each 307 hands out, one page each
            for ws in sockets:  # its pages even fake input, so none of them looks idle
                _input(ws)
            time.sleep(0.2)
            script = Client(port, source=ATTACKER, cookies=True)
            for _attempt in range(2):
                status, body = script.get()
                statuses.append(status)
                if status == 200:
                    sockets.append(_socket(port, script, _kernel_id(body)))  # the page's websocket, held open
                    held.append(_kernel_id(body))
                    break
                if status == 429:
                    refusal = body
                if status != 307:
                    break
        assert len(held) == PER_ADDRESS and statuses.count(429) == 8 - PER_ADDRESS, statuses
        assert "Your network already has 4 pages" in refusal and "Traceback" not in refusal
        assert all(k in _kernels(server) for k in held)

        student = Client(port, cookies=True)  # 127.0.0.1: a browser keeps its cookie
        start = time.monotonic()
        status, body = student.get()
        if status == 307:
            status, body = student.get()
        assert status == 200, (status, body[:300])
        print(f"the student's page: {time.monotonic() - start:.2f} s")
        mine = _socket(port, student, _kernel_id(body))
        sockets.append(mine)
        assert round_trip(mine) < 1.0

        # the server full: a newcomer's page frees the least active kernel (a script's page: no input)
        time.sleep(GRACE + 0.5)
        _input(mine)
        others = []
        for source in ("127.0.0.3", "127.0.0.4", "127.0.0.5"):
            newcomer = Client(port, source=source, cookies=True)
            status, body = newcomer.get()
            if status == 307:
                status, body = newcomer.get()
            others.append(status)
            _input(mine)
        assert others == [200, 200, 200], others
        assert len(_kernels(server)) <= MAX_KERNELS
        assert _kernel_id(body) in _kernels(server)
        assert round_trip(mine) < 1.0, "the working student's kernel no longer answers in time"
        freed = re.findall(r"shutting down kernel ([0-9a-f-]{36}) of ([0-9.]+), whose page has sent no input",
                           server.log_text())
        assert freed and all(address == ATTACKER for _k, address in freed), freed
    finally:
        for ws in sockets:
            ws.close()
