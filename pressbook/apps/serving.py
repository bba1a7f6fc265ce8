"""Serving the apps to a class: the page guard, time limits, and a kernel limit.

Three independent pieces, none needed by the core (pure Python, no Voila import at
module level):

``page_guard()``
    A small script for the page (an IPython ``Javascript`` output; Voila runs it
    as a trusted output).  Display it once, after the app::

        from pressbook.apps.serving import page_guard
        display(page_guard())

    It (1) keeps the browser's address bar equal to the current design: whenever
    the link the app shows (``.pb-link-a``, an ``<a href="?query">``) changes, the
    page URL's query is replaced with it (``history.replaceState``: no reload, no
    new history entry), so a reload or a bookmark always restores the design;
    (2) watches the connection: the kernel's websocket (status ``restarting`` /
    ``dead``, socket closed), Voila's own log lines ("Kernel: restarting",
    "Connection lost"), and ``GET api/kernels/<id>`` every few seconds (404: the
    server was restarted or the session ended; no answer: the server is down).
    When the session is gone it shows a banner over the app: what happened, a
    "Reload" button (the URL holds the design, so reloading restores it) and the
    app's own download link for the design, which works without a kernel.
    (3) refuses, in the browser, a file chosen in an upload widget that is larger
    than ``max_upload_bytes`` (the server's websocket limit is 10 MiB; a larger
    message would close the page's kernel connection): nothing is sent, a note
    next to the button says why, and later uploads keep working.
    Voila 0.5.13 itself shows nothing when a kernel dies: the widgets simply stop
    answering.

``time_limit(seconds)`` / ``SimulationTimeout``
    A context manager that interrupts a slow computation in the kernel's main
    thread (``signal.setitimer``) and raises ``SimulationTimeout`` (a
    ``PressbookError`` with a message meant for the user).  Elsewhere (another
    thread, Windows) it does nothing.

``LimitedKernelManager``
    A jupyter_server kernel manager that refuses to start a kernel when
    ``max_kernels`` are running or less than ``min_available_mb`` of memory is
    left; the student then gets a "503: the server is busy, try again in a
    minute" page instead of a hang.  Used by etc/voila/*/voila.json through
    ``VoilaConfiguration.multi_kernel_manager_class``.
"""

from __future__ import annotations

import contextlib
import json
import signal
import threading
import time

from ..errors import PressbookError

__all__ = [
    "BUSY_REASON",
    "LimitedKernelManager",
    "QuerySocketHandler",
    "SimulationTimeout",
    "page_guard",
    "page_guard_js",
    "time_limit",
]


# ----------------------------------------------------------------------------- page guard

_GUARD_JS = r"""
(function () {
  "use strict";
  const CFG = __CONFIG__;
  if (window.__pressbookGuard) { return; }          // once per page
  const guard = window.__pressbookGuard = { state: "ok", reasons: [], sockets: [] };

  // ---- (1) the URL follows the design -------------------------------------------
  function syncUrl() {
    const a = document.querySelector(CFG.link);
    if (!a) { return; }
    const href = a.getAttribute("href") || "";
    const q = href.indexOf("?");
    if (q < 0) { return; }
    const query = href.slice(q);
    if (query !== window.location.search) {
      try { window.history.replaceState(window.history.state, "", window.location.pathname + query); }
      catch (e) { /* sandboxed frames */ }
    }
  }
  new MutationObserver(syncUrl).observe(document.body, { subtree: true, childList: true, attributes: true,
                                                         attributeFilter: ["href"] });
  setInterval(syncUrl, 1000);
  syncUrl();

  // ---- (2) the connection -------------------------------------------------------
  let base = "/", kernelId = null;
  try {
    const el = document.getElementById("jupyter-config-data");
    const cfg = JSON.parse(el.textContent);
    base = cfg.baseUrl || "/"; kernelId = cfg.kernelId || null;
  } catch (e) { /* not in Voila */ }

  function banner(kind) {
    if (guard.state !== "ok") { return; }
    guard.state = kind;
    const texts = {
      kernel: "Your session stopped (its kernel ended or was restarted), so the app no longer responds.",
      server: "The server was restarted or your session ended, so the app no longer responds.",
      offline: "The server cannot be reached right now.",
    };
    const box = document.createElement("div");
    box.className = "pb-session-lost";
    box.setAttribute("role", "alert");
    box.style.cssText = "position:fixed;top:0;left:0;right:0;z-index:100000;padding:14px 20px;" +
      "background:#fff3cd;color:#533f03;border-bottom:2px solid #d39e00;font:15px/1.4 sans-serif;" +
      "box-shadow:0 2px 8px rgba(0,0,0,.2)";
    const msg = document.createElement("span");
    msg.className = "pb-session-lost-message";
    msg.textContent = texts[kind] + " Your design is kept in this page's address: reload to continue with it. ";
    box.appendChild(msg);
    const button = document.createElement("button");
    button.className = "pb-session-reload";
    button.textContent = "Reload";
    button.style.cssText = "margin:0 12px;padding:4px 14px;font-weight:bold;cursor:pointer";
    button.onclick = function () { syncUrl(); window.location.reload(); };
    box.appendChild(button);
    const dl = document.querySelector(CFG.download);
    if (dl && dl.getAttribute("href")) {
      const copy = document.createElement("a");
      copy.className = "pb-session-download";
      copy.href = dl.getAttribute("href");
      copy.setAttribute("download", dl.getAttribute("download") || "design.toml");
      copy.textContent = "download the design (TOML)";
      box.appendChild(copy);
    }
    document.body.appendChild(box);
  }
  guard.banner = banner;

  function lost(kind, why) { guard.reasons.push(why); banner(kind); }

  // (a) the kernel websocket: found on its first send (Voila created it before this ran)
  const STATUS = /"execution_state":\s*"(restarting|autorestarting|dead)"/;
  function watchSocket(ws) {
    if (guard.sockets.includes(ws) || String(ws.url).indexOf("/api/kernels/") < 0) { return; }
    guard.sockets.push(ws);
    ws.addEventListener("message", function (ev) {
      let text = "";
      if (typeof ev.data === "string") { text = ev.data; }
      else if (ev.data instanceof ArrayBuffer) {
        if (ev.data.byteLength > 4096) { return; }     // status messages are small
        text = new TextDecoder().decode(ev.data);
      }
      if (text.indexOf("execution_state") >= 0) {
        const m = STATUS.exec(text);
        if (m) { lost("kernel", "kernel " + m[1]); }
      }
    });
    ws.addEventListener("close", function () { setTimeout(check, 1500); });
  }
  const send = WebSocket.prototype.send;
  WebSocket.prototype.send = function (data) {
    try { watchSocket(this); } catch (e) { /* never break the app */ }
    return send.call(this, data);
  };

  // (b) Voila's frontend logs kernel state changes on the console.  A lost
  // connection may come back by itself (same server, same kernel): ask the server.
  const LOG = /^Kernel: (restarting|autorestarting|dead)/;
  ["log", "info", "debug", "warn", "error"].forEach(function (level) {
    const orig = console[level];
    console[level] = function () {
      try {
        const first = arguments[0];
        if (typeof first === "string") {
          if (LOG.test(first)) { lost("kernel", first); }
          else if (first.indexOf("Connection lost") === 0) { setTimeout(check, 1500); }
        }
      } catch (e) { /* ignore */ }
      return orig.apply(console, arguments);
    };
  });

  // (c) ask the server about the kernel
  let failures = 0;
  function check() {
    if (!kernelId || guard.state !== "ok") { return; }
    fetch(base + "api/kernels/" + kernelId, { credentials: "same-origin", cache: "no-store" })
      .then(function (r) {
        failures = 0;
        if (r.status === 404) { lost("server", "kernel unknown to the server"); return null; }
        return r.ok ? r.json() : null;
      })
      .then(function (model) {
        if (model && model.execution_state === "dead") { lost("kernel", "kernel dead"); }
      })
      .catch(function () { failures += 1; if (failures >= 2) { lost("offline", "server unreachable"); } });
  }
  setInterval(check, CFG.pollMs);

  // ---- (3) uploads over the limit are refused in the browser, before they are sent --------
  // A FileUpload widget reads each chosen file with a FileReader and sends it on the kernel
  // websocket; a message over the server's limit (10 MiB) closes that socket and every later
  // upload is lost.  A file over CFG.maxUpload is not read (its promise never settles, so nothing
  // is sent and the widget keeps working); a note appears next to the last upload button clicked.
  let lastUpload = null;
  window.addEventListener("click", function (ev) {
    const el = ev.target && ev.target.closest ? ev.target.closest(".widget-upload, .jupyter-widget-upload") : null;
    if (el) { lastUpload = el; }
  }, true);
  const readAsArrayBuffer = FileReader.prototype.readAsArrayBuffer;
  FileReader.prototype.readAsArrayBuffer = function (blob) {
    if (blob && blob.size > CFG.maxUpload) {
      try { refuseUpload(blob); } catch (e) { /* never break the app */ }
      return undefined;
    }
    if (lastUpload) { clearRefusal(lastUpload); }
    return readAsArrayBuffer.call(this, blob);
  };
  function clearRefusal(button) {
    const next = button.nextElementSibling;
    if (next && next.classList.contains("pb-upload-refused")) { next.remove(); }
  }
  function refuseUpload(file) {
    const mb = function (n) { return (n / 1e6).toFixed(1).replace(/\.0$/, ""); };
    const note = document.createElement("div");
    note.className = "pb-upload-refused";
    note.setAttribute("role", "alert");
    note.style.cssText = "color:#8a1c1c;font:14px/1.4 sans-serif;margin:4px 0";
    note.textContent = "\u201c" + (file.name || "file") + "\u201d is " + mb(file.size) + " MB; files up to " +
      mb(CFG.maxUpload) + " MB can be uploaded. Nothing was sent: choose a smaller file.";
    guard.refusedUploads = (guard.refusedUploads || 0) + 1;
    if (lastUpload && lastUpload.parentElement) {
      clearRefusal(lastUpload);
      lastUpload.insertAdjacentElement("afterend", note);
    } else {
      note.style.cssText += ";position:fixed;bottom:0;left:0;right:0;background:#fff;padding:8px;z-index:100000";
      document.body.appendChild(note);
    }
  }
})();
"""


#: Largest file an upload widget sends (bytes): the apps' own largest limit (onboarding's CSV, 2 MB), well
#: under the 10 MiB websocket message limit of the server.
MAX_UPLOAD_BYTES = 2_000_000


def page_guard_js(link_selector: str = ".pb-link-a", download_selector: str = ".pb-download-link",
                  poll_seconds: float = 5.0, max_upload_bytes: int = MAX_UPLOAD_BYTES) -> str:
    """The page guard's JavaScript source (see the module docstring)."""
    config = {"link": link_selector, "download": download_selector, "pollMs": int(poll_seconds * 1000),
              "maxUpload": int(max_upload_bytes)}
    return _GUARD_JS.replace("__CONFIG__", json.dumps(config))


def page_guard(link_selector: str = ".pb-link-a", download_selector: str = ".pb-download-link",
               poll_seconds: float = 5.0):
    """An IPython ``Javascript`` object: ``display(page_guard())`` once in the app notebook.

    ``link_selector``: an ``<a>`` whose ``href`` is ``?<query of the current design>``
    (the designer's share panel); ``download_selector``: an ``<a download href=data:...>``
    holding the current design, copied into the session-lost banner.
    """
    from IPython.display import Javascript

    return Javascript(page_guard_js(link_selector, download_selector, poll_seconds))


# ----------------------------------------------------------------------------- time limits


SIMPLER_DESIGN = "Try a simpler design (fewer steps or layers, less extreme values)."


class SimulationTimeout(PressbookError):
    """A computation took longer than its time limit and was stopped."""

    def __init__(self, seconds: float, what: str = "The simulation", hint: str = SIMPLER_DESIGN):
        self.seconds = seconds
        super().__init__(f"{what} took longer than {seconds:g} s and was stopped; the last good results are shown. "
                         + hint)


@contextlib.contextmanager
def time_limit(seconds: float, what: str = "The simulation", hint: str = SIMPLER_DESIGN):
    """Raise ``SimulationTimeout`` in the block if it runs longer than ``seconds``.

    Works in the main thread on Unix (where ipykernel runs widget callbacks): a
    ``SIGALRM`` timer interrupts Python code between bytecodes (a single long C
    call finishes first); if the timeout is raised where Python swallows exceptions
    (a gc callback), the alarm repeats every 0.1 s until it stops the block.
    Elsewhere the block runs without a limit.  Nested limits are not supported
    (the inner one replaces the outer).
    """
    usable = (
        seconds and seconds > 0
        and hasattr(signal, "setitimer")
        and threading.current_thread() is threading.main_thread()
    )
    if not usable:
        yield
        return

    def on_alarm(_signum, _frame):
        # armed again: an exception raised where Python swallows it (a gc callback, a __del__) must not end the
        # limit; the next alarm interrupts the block again until the timeout reaches it
        signal.setitimer(signal.ITIMER_REAL, 0.1)
        raise SimulationTimeout(seconds, what, hint)

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


# ----------------------------------------------------------------------------- kernel limit

BUSY_REASON = "Server busy: all places are taken. Please try again in a minute"


def _query_socket_handler():
    from voila.request_info_handler import RequestInfoSocketHandler

    class QuerySocketHandler(RequestInfoSocketHandler):
        """Voila's query socket with a correct ``on_close`` (shares Voila's waiter dict)."""

        _kernel_id = None

        def open(self, kernel_id: str) -> None:
            self._kernel_id = kernel_id
            super().open(kernel_id)

        def on_close(self) -> None:
            waiters = RequestInfoSocketHandler._waiters
            if self._kernel_id is not None and waiters.get(self._kernel_id) is self:
                del waiters[self._kernel_id]

    return QuerySocketHandler


def install_query_socket_fix() -> None:
    """Make Voila's app register ``QuerySocketHandler`` for ``/voila/query/<id>``.

    Voila's ``init_handlers`` (run when the server starts, after the kernel
    manager is built) reads the handler class from ``voila.app``'s namespace;
    the handler's waiters stay in Voila's class-level dict, which
    ``VoilaHandler`` feeds.
    """
    import voila.app

    if not getattr(voila.app.RequestInfoSocketHandler, "_pressbook_fixed", False):
        handler = _query_socket_handler()
        handler._pressbook_fixed = True
        voila.app.RequestInfoSocketHandler = handler


def voila_handlers_first(make_handlers) -> None:
    """Make Voila's app register the Tornado handler specs ``make_handlers(app)`` ahead of its own (call once,
    before the server starts: its ``init_handlers`` runs then)."""
    import voila.app

    init_handlers = voila.app.Voila.init_handlers

    def with_ours(app):
        handlers = init_handlers(app)
        handlers[:0] = make_handlers(app)
        return handlers

    voila.app.Voila.init_handlers = with_ours


def read_only_listing(contents_manager) -> None:
    """Make the contents models Voila lists (``/voila/api/contents``) say ``"writable": false``: visitors
    can write nothing (every writing method answers 403/405), and the listing should not claim otherwise.
    Voila builds its contents manager itself (no class option); it exists when the kernel manager is built."""
    if contents_manager is None or getattr(contents_manager, "_pressbook_read_only", False):
        return
    get = contents_manager.get

    def read_only_get(*args, **kwargs):
        model = get(*args, **kwargs)
        if isinstance(model, dict):
            model["writable"] = False
            items = model.get("content") if model.get("type") == "directory" else None
            for item in items or ():
                if isinstance(item, dict):
                    item["writable"] = False
        return model

    contents_manager.get = read_only_get
    contents_manager._pressbook_read_only = True


def _limited_kernel_manager():
    from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
    from tornado.web import HTTPError
    from traitlets import Bool, Float, Int

    from .class_handlers import VisitorAccounting, install_class_handlers
    from .connection_guard import install_connection_guard
    from .frame_guard import install_frame_guard
    from .widget_state_wait import install_widget_state_wait

    class LimitedKernelManager(VisitorAccounting, AsyncMappingKernelManager):
        """Refuses new kernels when the machine is full (HTTP 503, a clear page).

        Counts running kernels plus those being started (Voila's preheated pool
        included).  ``max_kernels = 0`` and ``min_available_mb = 0`` switch the
        checks off.
        """

        max_kernels = Int(0, config=True, help="Most kernels at once (0: no limit).")
        min_available_mb = Int(
            0, config=True, help="Refuse new kernels when less memory than this is available (0: no check)."
        )
        cull_unconnected_timeout = Int(
            0, config=True, help="Shut down an idle kernel no page has connected to after this many seconds "
                                 "since its page last showed progress (class_handlers.page_progress; a GET "
                                 "without a page behind it; pooled kernels excepted). 0: off."
        )
        page_load_max = Float(
            600.0, config=True, help="The longest a page may take to load, s: its visitor's requests keep its "
                                     "unconnected kernel from the cull for at most this long after the page was "
                                     "sent (pressbook.apps.class_handlers)."
        )
        max_kernels_per_visitor = Int(
            0, config=True, help="Most kernels one visitor (cookie, else address) holds at once; a page beyond "
                                 "it gets a 429 page (pressbook.apps.class_handlers). 0: no limit."
        )
        pool_fill_concurrency = Int(
            0, config=True, help="Most preheated pool kernels prepared at once, page requests first "
                                 "(pressbook.apps.class_handlers). 0: all at once (Voila's way)."
        )
        pool_refill_quiet = Float(
            30.0, config=True, help="With pool_fill_concurrency: a pool kernel is prepared once no page has been "
                                    "given a pool kernel for this many seconds (the pages are still loading), s."
        )
        pool_refill_wait_max = Float(
            120.0, config=True, help="With pool_fill_concurrency: the longest a pool kernel waits for the pages "
                                     "before it is prepared anyway, s."
        )
        header_timeout = Float(
            0.0, config=True, help="Close an HTTP connection that has not sent a whole request header this long "
                                   "after it opened or its last answer, s (pressbook.apps.connection_guard). "
                                   "0: Tornado's hour."
        )
        body_timeout = Float(0.0, config=True, help="Close a request whose body takes longer than this, s. 0: no limit.")
        max_connections_per_address = Int(
            0, config=True, help="Most open connections (websockets included) of one client address; a class "
                                 "behind one school address needs about 8 per student. 0: no cap."
        )
        max_kernels_per_address = Int(
            0, config=True, help="Most kernels the pages of one client address hold at once, across cookies (a "
                                 "class behind one school address: make serve-class STUDENTS=n sets 2 n + 4); "
                                 "past it that address's least active kernel is freed, else 429. 0: no limit."
        )
        input_grace = Float(
            120.0, config=True, help="A kernel whose page has sent user input (or was served) within this many "
                                     "seconds is never shut down to free a place, s (pressbook.apps.class_handlers)."
        )
        trust_xheaders = Bool(
            False, config=True, help="Behind the reverse proxy (etc/nginx, make proxy): take each request's client "
                                     "address from X-Real-IP. Only for a server listening on 127.0.0.1."
        )

        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self._starting = 0
            self._connected: set[str] = set()  # kernels a page was seen connected to
            install_query_socket_fix()  # built by Voila before its handlers are registered
            install_frame_guard()  # binary websocket frames checked before jupyter_server reads them
            install_connection_guard(self.header_timeout, self.body_timeout, self.max_connections_per_address,
                                     self.trust_xheaders)
            read_only_listing(getattr(self.parent, "contents_manager", None))
            install_class_handlers()  # the per-visitor limit and the pool status (class_handlers.py)
            install_widget_state_wait()  # pages wait 60 s, not 4 s, for their widgets (widget_state_wait.py)
            self._visitor_init()
            get_rendered = getattr(self, "get_rendered_notebook", None)  # Voila's pool (VoilaKernelManager)
            if get_rendered is not None:  # Voila's class is built on this one: its method wins, so wrap it
                async def get_rendered_notebook(notebook_name, *args, **kwargs):
                    await self.before_pool_handout(notebook_name)
                    result = await get_rendered(notebook_name, *args, **kwargs)
                    self.pool_kernel_handed_out(result[2])
                    return result

                self.get_rendered_notebook = get_rendered_notebook

        async def before_pool_handout(self, notebook_name: str) -> None:
            """Runs before Voila hands a pool kernel of ``notebook_name`` to a page (kernel_pool: the check)."""

        def _full(self) -> str:
            if self.max_kernels and len(self.list_kernel_ids()) + self._starting >= self.max_kernels:
                return f"{self.max_kernels} kernels running"
            if self.min_available_mb:
                import psutil

                available = psutil.virtual_memory().available // 2**20
                if available < self.min_available_mb:
                    return f"{available} MB of memory available"
            return ""

        @staticmethod
        def _for_a_page(env: dict | None) -> bool:
            """The kernel being started is for the page request being served (not a pool kernel)."""
            from .class_handlers import current_claim

            return current_claim.get() is not None and (env or {}).get("VOILA_PREHEAT") != "True"

        async def cull_kernel_if_idle(self, kernel_id):
            """Also cull, after ``cull_unconnected_timeout`` idle seconds, a kernel no page ever connected to
            (Voila's own override, around this one, keeps preheated pool kernels out)."""
            kernel = self._kernels.get(kernel_id)
            if kernel is not None and self._kernel_connections.get(kernel_id, 0):
                self._connected.add(kernel_id)
            elif kernel is not None and self.cull_unconnected_timeout and kernel_id not in self._connected:
                from jupyter_server._tz import utcnow

                last = getattr(kernel, "last_activity", None)
                idle = (utcnow() - last).total_seconds() if last is not None else 0.0
                progress = self.page_progress(kernel_id)  # the page still loading (class_handlers)
                if progress is not None:
                    idle = min(idle, time.monotonic() - progress)
                if getattr(kernel, "execution_state", None) != "busy" and idle > self.cull_unconnected_timeout:
                    self.log.warning("culling kernel %s: no page connected to it in %d s", kernel_id, idle)
                    await self.shutdown_kernel(kernel_id)
                    return
            return await super().cull_kernel_if_idle(kernel_id)

        async def shutdown_kernel(self, kernel_id, *args, **kwargs):
            self._connected.discard(kernel_id)
            self.forget_kernel(kernel_id)
            return await super().shutdown_kernel(kernel_id, *args, **kwargs)

        async def start_kernel(self, *args, **kwargs):
            if kwargs.get("kernel_id") is None:  # a restart of a known kernel is never refused
                why = self._full()
                if why and self._for_a_page(kwargs.get("env")) and await self.free_least_active(None, why):
                    why = self._full()
                if why:
                    self.log.warning("refusing a new kernel: %s", why)
                    raise HTTPError(503, f"busy: {why}", reason=BUSY_REASON)
            self._starting += 1
            free_slot, kernel_id = await self.pool_start_slot(kwargs.get("env")), None
            try:
                kernel_id = await super().start_kernel(*args, **kwargs)
                if kwargs.get("kernel_id") is None:
                    self.attribute_kernel(kernel_id, kwargs.get("env"))
                return kernel_id
            finally:
                self._starting -= 1
                if free_slot is not None:
                    free_slot(kernel_id)

    return LimitedKernelManager


def __getattr__(name):  # the class needs jupyter_server: build it on first use only
    if name == "LimitedKernelManager":
        cls = _limited_kernel_manager()
        cls.__module__ = __name__
        globals()[name] = cls
        return cls
    if name == "QuerySocketHandler":
        install_query_socket_fix()
        import voila.app

        globals()[name] = voila.app.RequestInfoSocketHandler
        return voila.app.RequestInfoSocketHandler
    raise AttributeError(name)
