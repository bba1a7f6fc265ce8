"""The class server's HTTP connections: header and body time limits and a cap per client address (issue 27,
item 3).

Voila starts Tornado's HTTP server with Tornado's defaults: a client has an hour to send a request's header
and may hold any number of connections, so 1,092 idle connections from one address, each with half a
header, used up the server's file descriptors and every student's request timed out.
``install_connection_guard(...)`` makes Voila's server (``Voila.listen``) a ``GuardedHTTPServer``:

- ``header_timeout`` (s): a connection that has not sent a whole request header this long after it opened
  or after its last answer is closed (Tornado's ``idle_connection_timeout``; an open websocket is no
  longer an HTTP connection and is not affected);
- ``body_timeout`` (s): the same for a request's body;
- ``max_per_address``: a new connection from an address that already holds this many open connections
  (websockets included) is closed at once, unread; size it for a class behind one school address (a
  browser page holds about 6 connections and a websocket); 0: no cap;
- the process's open-file limit is raised to its hard limit (at most ``OPEN_FILES``);
- ``xheaders``: behind a reverse proxy (``etc/nginx``), a request's address is the one the proxy gives in
  ``X-Real-IP`` (Tornado's ``xheaders``); only for a server that listens on 127.0.0.1 behind the proxy,
  since a client that reaches it directly could claim any address.

Called by ``serving.LimitedKernelManager`` (its ``header_timeout``, ``body_timeout`` and
``max_connections_per_address`` and ``trust_xheaders`` options) before Voila starts listening.
"""
from __future__ import annotations

import functools
import logging

__all__ = ["OPEN_FILES", "install_connection_guard", "raise_open_files_limit"]

#: The open-file limit asked for (the hard limit, when lower, wins).
OPEN_FILES = 65536

log = logging.getLogger("pressbook.apps.connection_guard")


def raise_open_files_limit(wanted: int = OPEN_FILES) -> int:
    """Raise this process's soft limit of open files towards ``wanted`` (never above the hard limit, never
    down); returns the limit in force."""
    try:
        import resource
    except ImportError:  # Windows
        return 0
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if target > soft:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError):
            pass
    return soft


def _guarded_server_class():
    from tornado.httpserver import HTTPServer

    class GuardedHTTPServer(HTTPServer):
        """Tornado's HTTP server with a cap on the open connections of each client address."""

        def initialize(self, *args, max_per_address: int = 0, **kwargs):
            super().initialize(*args, **kwargs)
            self.max_per_address = max_per_address
            self._streams: dict[str, list] = {}  # address -> its connections' streams (pruned when closed)
            self._refused = 0

        def handle_stream(self, stream, address) -> None:
            host = address[0] if isinstance(address, tuple) and address else ""
            if self.max_per_address:
                live = [s for s in self._streams.get(host, ()) if not s.closed()]
                if len(live) >= self.max_per_address:
                    self._streams[host] = live
                    self._refused += 1
                    if self._refused % 100 == 1:  # a flood logs one line per hundred refusals
                        log.warning("connection from %s closed: it holds %d open connections (the cap); "
                                    "%d refused so far", host, len(live), self._refused)
                    stream.close()
                    return
                live.append(stream)
                self._streams[host] = live
                if len(self._streams) > 4096:  # forget the addresses that hold nothing any more
                    self._streams = {h: s for h, s in self._streams.items() if any(not x.closed() for x in s)}
            super().handle_stream(stream, address)

    return GuardedHTTPServer


def _listen(app, port, address="", *, limits: dict, **kwargs):
    server = _guarded_server_class()(app, **limits, **kwargs)
    server.listen(port, address)
    return server


def install_connection_guard(header_timeout: float = 0, body_timeout: float = 0, max_per_address: int = 0,
                             xheaders: bool = False) -> None:
    """Make Voila's app serve through ``GuardedHTTPServer`` with these limits (s; 0: Tornado's default, an
    hour for a header and none for a body; no cap) and, with ``xheaders``, the proxy's client addresses.
    Call before Voila starts listening."""
    import voila.app

    limits = {"idle_connection_timeout": header_timeout or None, "body_timeout": body_timeout or None,
              "max_per_address": max_per_address, "xheaders": bool(xheaders)}
    listen = getattr(voila.app.Voila.listen, "_pressbook_unguarded", voila.app.Voila.listen)

    def guarded_listen(voila_app):
        voila_app.app.listen = functools.partial(_listen, voila_app.app, limits=limits)
        opened = raise_open_files_limit()
        voila_app.log.info("pressbook: header timeout %s s, body timeout %s s, %s connections per address, "
                           "%d open files%s", header_timeout or 3600, body_timeout or "no", max_per_address or "any",
                           opened, ", client addresses from the proxy's X-Real-IP" if xheaders else "")
        return listen(voila_app)

    guarded_listen._pressbook_unguarded = listen
    voila.app.Voila.listen = guarded_listen
