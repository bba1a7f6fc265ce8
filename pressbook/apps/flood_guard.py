"""What one page may send to its kernel, and leave unread, through the class server (issue 27, item 2).

Before: widget-message floods to four kernels grew the Voila server to 5.1 GB (messages queued toward kernels
that fell behind); 30 s of ``request_states`` messages queued about 2 hours of kernel work (about 120 ms and
1 MB of answer each); a socket that never read its answers grew the server by 1.1 GB.  Per kernel websocket
(``frame_guard.FrameGuardHandler`` calls these):

- ``Budget``: messages and bytes from the page, each a token bucket (``MESSAGES_PER_S`` with bursts of
  ``MESSAGE_BURST``; ``BYTES_PER_S`` with bursts of ``BYTE_BURST``, two of the largest uploads); past either
  the socket is closed (code 1008) before the message is forwarded;
- ``request_states`` (a page asking for every widget's state, which it does once when it loads) is forwarded
  at most ``MAX_STATE_REQUESTS`` times per kernel; later ones are dropped;
- answers the page does not read: past ``MAX_UNREAD_BYTES`` waiting in the server for the socket, it is closed.
"""
from __future__ import annotations

import time

__all__ = ["BYTE_BURST", "BYTES_PER_S", "MAX_STATE_REQUESTS", "MAX_UNREAD_BYTES", "MESSAGE_BURST",
           "MESSAGES_PER_S", "Budget", "TokenBucket"]

MESSAGES_PER_S = 100.0        # a slider dragged sends about 30/s
MESSAGE_BURST = 3000.0     # a page that falls back to asking for each widget sends about 1,900 at once
BYTES_PER_S = 1_000_000.0
BYTE_BURST = 24_000_000.0     # two uploads at the 10 MiB message limit
MAX_STATE_REQUESTS = 3
MAX_UNREAD_BYTES = 32 * 2**20  # a designer page's whole state is about 1 MB


class TokenBucket:
    """``rate`` tokens per second up to ``burst``; ``take(n)`` is False (and takes nothing) when short."""

    def __init__(self, rate: float, burst: float, clock=time.monotonic):
        self.rate, self.burst, self.clock = rate, burst, clock
        self.tokens, self.stamp = burst, clock()

    def take(self, n: float = 1.0) -> bool:
        now = self.clock()
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if n > self.tokens:
            return False
        self.tokens -= n
        return True


class Budget:
    """One websocket's allowance of messages and bytes from its page."""

    def __init__(self, clock=time.monotonic):
        self.messages = TokenBucket(MESSAGES_PER_S, MESSAGE_BURST, clock)
        self.bytes = TokenBucket(BYTES_PER_S, BYTE_BURST, clock)

    def over(self, size: int) -> str:
        """'' when a message of ``size`` bytes fits; else why not (in words, for the log)."""
        if not self.messages.take(1):
            return f"more than {MESSAGE_BURST:.0f} messages at once or {MESSAGES_PER_S:.0f} a second"
        if not self.bytes.take(size):
            return f"more than {BYTE_BURST / 1e6:.0f} MB at once or {BYTES_PER_S / 1e6:.0f} MB a second"
        return ""
