"""Binary kernel-websocket frames are checked before jupyter_server reads them (issue 27, item 1).

jupyter_server 2.x decodes a binary frame on the kernel websocket before any filter, in the server's only
event loop, trusting the counts in the frame's header:

- the v1 protocol (``v1.kernel.websocket.jupyter.org``, ``deserialize_msg_from_ws_v1``): the first 8 bytes
  (little-endian) are the number N of offsets that follow (8 bytes each); it builds a list of N offsets,
  however short the frame: a 16-byte frame with N = 5e7 froze the server for 27 s and added 760 MB;
- the legacy protocol (``deserialize_binary_message``): the first 4 bytes (big-endian, signed) are the
  number of parts, then one 4-byte offset per part; it builds a ``struct`` format of that many items: a
  12-byte frame with 1e8 froze it for 7 s and left 3.4 GB in Python's struct cache.

``check_frame(frame, v1)`` checks a frame's header against the frame's length in at most a hundred steps:
the count is within bounds (at most ``MAX_BUFFERS`` binary buffers besides the message's own parts), the
offset table fits in the frame, the first offset is just after the table, and every offset is monotone and
inside the frame.  ``install_frame_guard()`` makes Voila register ``FrameGuardHandler`` (its kernel
websocket handler, checking every binary frame, and text frames on a v1 socket, which jupyter_server would
also misread) for ``/api/kernels/<id>/channels``; a bad frame is logged in one line and closes the socket
(code 1003) before jupyter_server sees it.  Called by ``serving.LimitedKernelManager`` when Voila builds
it, before Voila registers its handlers (like ``serving.install_query_socket_fix``).
"""
from __future__ import annotations

import logging

__all__ = ["MAX_BUFFERS", "BadFrame", "check_frame", "install_frame_guard"]

V1_PROTOCOL = "v1.kernel.websocket.jupyter.org"
#: Most binary buffers (widget data, uploads) one message may carry besides its own parts.
MAX_BUFFERS = 64
#: A v1 message's parts: header, parent header, metadata, content.
V1_PARTS = 4

log = logging.getLogger("pressbook.apps.frame_guard")


class BadFrame(ValueError):
    """A kernel-websocket frame whose header does not describe the frame."""


def _offsets(frame: bytes, count: int, start: int, width: int, order: str) -> list[int]:
    return [int.from_bytes(frame[start + width * i: start + width * (i + 1)], order) for i in range(count)]


def _check_offsets(offsets: list[int], table_end: int, length: int) -> None:
    if offsets[0] != table_end:
        raise BadFrame(f"first offset {offsets[0]}; allowed: {table_end} (just after the offset table)")
    for before, after in zip(offsets, offsets[1:]):
        if after < before:
            raise BadFrame(f"offset {after} after {before}; allowed: offsets in increasing order")
    if offsets[-1] > length:
        raise BadFrame(f"offset {offsets[-1]} in a frame of {length} bytes; allowed: offsets inside the frame")


def check_frame(frame: bytes, v1: bool) -> None:
    """Raise ``BadFrame`` unless the header of the binary ``frame`` (bytes) matches its length.

    ``v1``: the frame uses the v1 protocol (8-byte little-endian count N, then N offsets: the channel's
    start, then the end of the channel and of each part); else the legacy binary framing (4-byte
    big-endian count of parts, then one offset per part, the message's JSON first).
    """
    length = len(frame)
    if v1:
        if length < 8:
            raise BadFrame(f"{length} bytes; allowed: at least 8 (the offset count)")
        count, lo = int.from_bytes(frame[:8], "little"), 2 + V1_PARTS
        width, start, order = 8, 8, "little"
    else:
        if length < 4:
            raise BadFrame(f"{length} bytes; allowed: at least 4 (the part count)")
        count, lo = int.from_bytes(frame[:4], "big", signed=True), 1
        width, start, order = 4, 4, "big"
    hi = lo + MAX_BUFFERS
    if not lo <= count <= hi:
        raise BadFrame(f"offset count {count}; allowed: {lo} to {hi} (at most {MAX_BUFFERS} buffers)")
    table_end = start + width * count
    if table_end > length:
        raise BadFrame(f"{count} offsets need {table_end} bytes, the frame has {length}")
    _check_offsets(_offsets(frame, count, start, width, order), table_end, length)


def unread_bytes(stream) -> int:
    """Bytes written to ``stream`` (a Tornado ``IOStream``; None: 0) that its peer has not taken yet. Tornado 6
    keeps them in ``_write_buffer`` (it has no ``_write_buffer_size`` any more: reading that, the bound on
    unread answers never closed a socket)."""
    buffer = getattr(stream, "_write_buffer", None)
    return len(buffer) if buffer is not None else 0


def _frame_guard_handler(base):
    from tornado.concurrent import Future

    from .class_handlers import widget_method
    from .flood_guard import MAX_STATE_REQUESTS, MAX_UNREAD_BYTES, Budget

    class FrameGuardHandler(base):
        """Voila's kernel websocket handler; a frame that fails ``check_frame`` closes the socket unread, and
        the page's messages and unread answers are bounded (``flood_guard``)."""

        _pressbook_refused = False
        _pressbook_budget = None
        _pressbook_dropped = 0

        def _refuse(self, code: int, reason: str, why: str) -> None:
            self._pressbook_refused = True
            log.warning("kernel %s: websocket closed: %s from %s: %s", getattr(self, "kernel_id", "?"), reason,
                        self.request.remote_ip, why)
            self.close(code, reason)

        def on_message(self, message):
            if self._pressbook_refused:
                return None
            v1 = self.selected_subprotocol == V1_PROTOCOL
            try:
                if isinstance(message, bytes):
                    check_frame(message, v1)
                elif v1:
                    raise BadFrame("a text frame; allowed: binary frames on a v1 socket")
            except BadFrame as exc:
                self._refuse(1003, f"bad {'v1' if v1 else 'legacy'} frame", str(exc))
                return None
            if self._pressbook_budget is None:
                self._pressbook_budget = Budget()
            over = self._pressbook_budget.over(len(message))
            if over:
                self._refuse(1008, "message flood", over)
                return None
            method = widget_method(message, v1)
            note = getattr(self.kernel_manager, "note_page_method", None)  # class_handlers: input, state requests
            if note is not None and method and note(self.kernel_id, method) > MAX_STATE_REQUESTS:
                self._pressbook_dropped += 1
                if self._pressbook_dropped == 1:
                    log.warning("kernel %s: request_states from %s dropped: its kernel was asked %d times already",
                                self.kernel_id, self.request.remote_ip, MAX_STATE_REQUESTS)
                return None
            return super().on_message(message)

        def write_message(self, message, binary=False):
            unread = unread_bytes(getattr(self.ws_connection, "stream", None))
            if not self._pressbook_refused and unread > MAX_UNREAD_BYTES:
                self._refuse(1008, "answers not read", f"{unread / 2**20:.0f} MB waiting to be sent")
            if self._pressbook_refused:
                done = Future()
                done.set_result(None)
                return done
            return super().write_message(message, binary)

    return FrameGuardHandler


def install_frame_guard() -> None:
    """Make Voila's app register ``FrameGuardHandler`` for the kernel websockets (call before its handlers are
    registered: Voila's ``init_handlers`` reads the class from ``voila.app``'s namespace)."""
    import voila.app

    if not getattr(voila.app.VoilaKernelWebsocketHandler, "_pressbook_frame_guard", False):
        handler = _frame_guard_handler(voila.app.VoilaKernelWebsocketHandler)
        handler._pressbook_frame_guard = True
        voila.app.VoilaKernelWebsocketHandler = handler
