"""Socket helpers shared by the attacks of tests/security on a real server (issue 27).

Raw TCP connections from another loopback address (on Linux all of 127/8 is this machine), kernel websockets
as a page opens them, and waiting for what the server does to them.  The message framing (``_msg``,
``_v1_frame``, ``_collect``) stays in ``test_voila_security``.
"""
from __future__ import annotations

import socket
import struct
import time
import uuid

from test_voila_security import _collect, _msg, _v1_frame

V1 = "v1.kernel.websocket.jupyter.org"
ATTACKER = "127.0.0.2"  # the hostile client's own address; students and other visitors use 127.0.0.1


def wait_until(condition, timeout: float, every: float = 0.2) -> bool:
    """True once ``condition()`` is true, False after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(every)
    return True


def connect_from(source: str, port: int, data: bytes = b"") -> socket.socket:
    """A TCP connection from ``source`` to 127.0.0.1:``port`` that has sent ``data`` (unless already closed)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.settimeout(5)
    sock.bind((source, 0))
    sock.connect(("127.0.0.1", port))
    try:
        sock.sendall(data)
    except OSError:  # closed by the server at once: the caller counts it
        pass
    return sock


def closed(sock: socket.socket) -> bool:
    """The server closed ``sock`` (whatever it answered first; the answer is read and dropped)."""
    sock.setblocking(False)
    try:
        while True:
            if sock.recv(65536) == b"":
                return True
    except BlockingIOError:
        return False
    except OSError:  # reset
        return True


def kernel_socket(port: int, kernel_id: str, cookie: str, v1: bool = True, source: str = "127.0.0.1",
                  receive_buffer: int | None = None):
    """The kernel websocket of a page (``cookie``: the Cookie header its page got), from ``source``;
    ``receive_buffer``: the TCP receive buffer in bytes (small: a client that takes little of what it is sent)."""
    import websocket

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if receive_buffer:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
    sock.settimeout(30)
    sock.bind((source, 0))
    sock.connect(("127.0.0.1", port))
    return websocket.create_connection(
        f"ws://127.0.0.1:{port}/api/kernels/{kernel_id}/channels?session_id={uuid.uuid4().hex}", socket=sock,
        cookie=cookie, origin=f"http://127.0.0.1:{port}", subprotocols=[V1] if v1 else None, timeout=30)


def round_trip(ws) -> float:
    """Seconds for a kernel_info_request on the v1 socket ``ws`` to be answered."""
    probe = _msg("kernel_info_request", {})
    start = time.monotonic()
    ws.send_binary(_v1_frame(probe))
    _collect(ws, True, probe["header"]["msg_id"], timeout=30)
    return time.monotonic() - start


def close_code(ws, timeout: float = 10) -> int:
    """The close code the server sent on the websocket ``ws`` (reads past any message sent before it)."""
    import websocket

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        opcode, data = ws.recv_data(control_frame=True)
        if opcode == websocket.ABNF.OPCODE_CLOSE:
            return struct.unpack("!H", data[:2])[0]
    raise AssertionError(f"the server did not close the socket within {timeout:g} s")
