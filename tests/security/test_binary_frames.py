"""One binary websocket frame cannot freeze the class server (issue 27, item 1).

jupyter_server decodes a binary kernel-websocket frame trusting the counts in its header: a 16-byte v1
frame claiming 5e7 offsets froze the server for 27 s (+760 MB), a 12-byte legacy frame claiming 1e8 parts
for 7 s (+3.4 GB).  ``pressbook.apps.frame_guard`` checks every frame against its length first and closes
the socket on a bad one.  Replayed here against a real Voila server (the class configuration): the socket
is closed, another visitor's kernel and the page listing answer within 1 s, the server's memory stays put.
"""

from __future__ import annotations

import json
import struct
import time

import pytest
from sockets import close_code, kernel_socket, round_trip
from test_voila_security import _http, _msg, _open_kernel, class_root, serve_class  # noqa: F401 (a fixture)

from pressbook.apps.frame_guard import MAX_BUFFERS, BadFrame, check_frame

V1_ATTACK = (50_000_000).to_bytes(8, "little") + bytes(8)  # 16 bytes: "5e7 offsets follow"
LEGACY_ATTACK = struct.pack("!i", 100_000_000) + bytes(8)  # 12 bytes: "1e8 parts"


# --------------------------------------------------------------------------- the check alone


def _parts(n_buffers: int) -> list[bytes]:
    msg = _msg("comm_msg", {"comm_id": "c", "data": {"method": "update", "state": {"value": 3}}})
    return [json.dumps(msg[k]).encode() for k in ("header", "parent_header", "metadata", "content")] + [
        bytes([i]) * (i + 1) for i in range(n_buffers)]


@pytest.mark.parametrize("n_buffers", [0, 2, MAX_BUFFERS])
def test_real_frames_pass_and_decode_unchanged(n_buffers):
    from jupyter_server.services.kernels.connection.base import (
        deserialize_binary_message,
        deserialize_msg_from_ws_v1,
        serialize_binary_message,
        serialize_msg_to_ws_v1,
    )

    parts = _parts(n_buffers)
    v1 = serialize_msg_to_ws_v1(parts, "shell")
    check_frame(v1, v1=True)
    assert deserialize_msg_from_ws_v1(v1) == ("shell", parts)
    msg = {**_msg("comm_msg", {"comm_id": "c"}), "buffers": parts[4:]}
    legacy = serialize_binary_message(msg)
    check_frame(legacy, v1=False)
    assert deserialize_binary_message(legacy)["buffers"] == parts[4:]


def _v1(offsets: list[int], tail: bytes = b"") -> bytes:
    return len(offsets).to_bytes(8, "little") + b"".join(o.to_bytes(8, "little") for o in offsets) + tail


@pytest.mark.parametrize("frame, v1, why", [
    (V1_ATTACK, True, "offset count 50000000"),
    (LEGACY_ATTACK, False, "offset count 100000000"),
    (struct.pack("!i", -5) + bytes(8), False, "offset count -5"),
    (b"\x06\x00\x00", True, "at least 8"),
    (b"\x01\x00", False, "at least 4"),
    (_v1([0] * 6), True, "first offset 0"),  # the table itself is a part
    (_v1([56, 62, 61, 63, 64, 64]), True, "increasing order"),
    (_v1([56, 61, 62, 63, 64, 900], b"shell" + bytes(3)), True, "inside the frame"),
    ((6).to_bytes(8, "little") + bytes(16), True, "6 offsets need 56 bytes"),
    (None, True, f"allowed: 6 to {6 + MAX_BUFFERS}"),  # one buffer too many
    (None, False, f"allowed: 1 to {1 + MAX_BUFFERS}"),
])
def test_bad_frames_are_refused(frame, v1, why):
    if frame is None:  # a well-formed frame of MAX_BUFFERS + 1 buffers
        from jupyter_server.services.kernels.connection.base import serialize_binary_message, serialize_msg_to_ws_v1

        parts = _parts(MAX_BUFFERS + 1)
        frame = (serialize_msg_to_ws_v1(parts, "shell") if v1 else
                 serialize_binary_message({**_msg("comm_msg", {}), "buffers": parts[4:]}))
    with pytest.raises(BadFrame, match=why):
        check_frame(frame, v1=v1)


def test_a_real_frame_cut_short_is_refused():
    from jupyter_server.services.kernels.connection.base import serialize_msg_to_ws_v1

    frame = serialize_msg_to_ws_v1(_parts(1), "shell")
    with pytest.raises(BadFrame, match="inside the frame"):
        check_frame(frame[:-1], v1=True)


# --------------------------------------------------------------------------- the attack on a real server


@pytest.fixture(scope="module")
def frame_server(class_root, tmp_path_factory):
    with serve_class(class_root, ["--LimitedKernelManager.max_kernels_per_visitor=0"],
                     tmp_path_factory.mktemp("log")) as server:
        yield server


@pytest.mark.parametrize("v1, frame", [(True, V1_ATTACK), (False, LEGACY_ATTACK)], ids=["v1", "legacy"])
def test_a_hostile_frame_closes_its_socket_and_freezes_no_one(frame_server, v1, frame):
    import psutil

    port = frame_server.port
    victim_id, victim_cookie, _ = _open_kernel(port, "/voila/render/app.ipynb")
    attacker_id, attacker_cookie, _ = _open_kernel(port, "/voila/render/app.ipynb")
    victim = kernel_socket(port, victim_id, victim_cookie, v1=True)
    attacker = kernel_socket(port, attacker_id, attacker_cookie, v1=v1)
    try:
        round_trip(victim)  # the victim's kernel is connected and answers
        server = psutil.Process(frame_server.proc.pid)
        rss_before = server.memory_info().rss
        attacker.send_binary(frame)
        listing_start = time.monotonic()
        status, _h, _body = _http(port, "GET", "/")
        listing = time.monotonic() - listing_start
        victim_wait = round_trip(victim)
        assert status == 200
        assert listing < 1.0 and victim_wait < 1.0, \
            f"after the frame: listing {listing:.2f} s, another kernel's round trip {victim_wait:.2f} s"
        assert close_code(attacker) == 1003
        grown = (server.memory_info().rss - rss_before) / 2**20
        assert grown < 50, f"the server grew by {grown:.0f} MB"
    finally:
        victim.close()
        attacker.close()
    kind = "v1" if v1 else "legacy"
    assert frame_server.wait_log(f"websocket closed: bad {kind} frame", 10), frame_server.log_text()[-2000:]
    assert "Traceback" not in frame_server.log_text()


def test_a_text_frame_on_a_v1_socket_closes_it(frame_server):
    """jupyter_server would read a text frame on a v1 socket as a binary one (a TypeError per frame)."""
    port = frame_server.port
    kernel_id, cookie, _ = _open_kernel(port, "/voila/render/app.ipynb")
    ws = kernel_socket(port, kernel_id, cookie, v1=True)
    try:
        round_trip(ws)
        ws.send(json.dumps(_msg("kernel_info_request", {})))
        assert close_code(ws) == 1003
    finally:
        ws.close()
    assert frame_server.wait_log("bad v1 frame from 127.0.0.1: a text frame", 10)
