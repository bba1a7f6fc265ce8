"""What the class server adds to Voila's request handling (issue 14): a per-visitor kernel limit and the
preheated pool's status.

No Voila import at module level; ``install_class_handlers()`` is called by
``serving.LimitedKernelManager`` when Voila builds it (before Voila registers its handlers).

**Per-visitor limit** (``LimitedKernelManager.max_kernels_per_visitor``; 0: off).  Every page of an app
holds a kernel.  A visitor is the ``pressbook-visitor`` cookie the server sets on the first page (signed, so
it cannot be made up), or, for a client that sends no valid cookie (a script), its address.  A visitor who
already holds the limit gets a "429: too many pages open" page in plain words instead of a new kernel; first
a kernel of theirs that no page is connected to any more (a tab they closed or left) is shut down to make
room, so moving from app to app never runs into the limit.  A client without a cookie that is over the limit
of its address gets a fresh cookie and a redirect to the same address (307, no kernel started): a browser
(which keeps the cookie) comes straight back as a visitor of its own (students behind one school address,
all opening the app at once), a script that keeps no cookies stays limited.  A client that collects new cookies gets a new visitor each time; the
server-wide ``max_kernels`` and the one-minute cull of kernels no page connects to still hold.

**Places per address** (``max_kernels_per_address``; 0: off; issue 27, item 4).  Such a client (GET-only
pages, a fresh cookie from each 307, every page's websocket held open) took every place within 45 s.  The
kernels of one client address are counted across cookies: past the limit (sized for a class behind one school
address: ``make serve-class STUDENTS=n`` sets 2 n + 4) a page is refused (429, in plain words) unless a kernel
of that address can be freed: one its page left, else the one whose page has sent no user input for longest.
**When places run short** (``max_kernels`` reached) a page is not refused either while some page has sent no
user input (a widget change or click: ``is_user_input``) for ``input_grace`` seconds: that kernel, the one idle
longest, is shut down for the new page (its page shows the session-lost banner; the design stays in its
address).

**A page still loading keeps its kernel** (issue 27, item 5).  A kernel no page has connected to is culled
after ``cull_unconnected_timeout`` s (a GET with no page behind it), counted from the page's last sign of
progress (``page_progress``), not from the kernel's last activity: the page being sent, then any request of
the same visitor (the page's scripts, styles and fonts, its kernel polls: the signed cookie, or the address
of a client without one), for at most ``page_load_max`` s after the page was sent.  After a restart a whole
class reloads at once and pages take minutes to arrive; a browser still loading its page no longer loses
its kernel.

**Pool status** (``GET <base>voila/pressbook/pool``): JSON ``{"ready": k, "size": n, "filled": bool}``
over the preheated pools; a pool kernel counts as ready once it has built its app and waits for a visitor
(its ``/voila/query`` socket is open).  ``pool_status()`` shows it on the start page ("warming up: k of
n" / "ready").
"""
from __future__ import annotations

import asyncio
import contextvars
import json
import time
import uuid
from dataclasses import dataclass
from html import escape

__all__ = ["VISITOR_COOKIE", "VisitorAccounting", "install_class_handlers", "is_user_input", "pool_status",
           "pool_status_js", "widget_method"]

VISITOR_COOKIE = "pressbook-visitor"
POOL_STATUS_PATH = "voila/pressbook/pool"


@dataclass(eq=False)
class Claim:
    """One page request of a visitor: counts as a kernel until the kernel it got is known."""

    visitor: str
    address: str = ""
    kernel_id: str | None = None
    new_visitor: str = ""  # the visitor of the cookie set with this page (its later requests carry it)


#: Widget messages that only a person using the page sends: a changed value, a click (ipywidgets ``custom``).
INPUT_METHODS = frozenset({"update", "custom"})
#: Content parts larger than this (bytes) are not parsed: only uploads are so large, and they are input.
MAX_PARSED = 1_000_000


def _json(data) -> dict:
    try:
        value = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        return {}
    return value if isinstance(value, dict) else {}


def widget_method(message, v1: bool) -> str:
    """The widget method of a kernel-websocket message from a page (``str`` or ``bytes``, already checked by
    ``frame_guard.check_frame``): ``update``, ``custom``, ``request_states``, ...; '' when it is no
    ``comm_msg``. A content part over ``MAX_PARSED`` bytes (only an upload is so large) counts as ``update``."""
    if isinstance(message, str):
        msg = _json(message)
        header, content = msg.get("header"), msg.get("content")
    elif v1:
        count = int.from_bytes(message[:8], "little")
        offsets = [int.from_bytes(message[8 + 8 * i: 16 + 8 * i], "little") for i in range(count)] + [len(message)]
        header = _json(message[offsets[1]:offsets[2]])
        if header.get("msg_type") != "comm_msg":
            return ""
        if offsets[5] - offsets[4] > MAX_PARSED:
            return "update"
        content = _json(message[offsets[4]:offsets[5]])
    else:
        start, end = int.from_bytes(message[4:8], "big"), len(message)
        if int.from_bytes(message[:4], "big") > 1:
            end = int.from_bytes(message[8:12], "big")
        if end - start > MAX_PARSED:
            return "update"
        msg = _json(message[start:end])
        header, content = msg.get("header"), msg.get("content")
    if not isinstance(header, dict) or header.get("msg_type") != "comm_msg" or not isinstance(content, dict):
        return ""
    data = content.get("data")
    method = data.get("method") if isinstance(data, dict) else None
    return method if isinstance(method, str) else ""


def is_user_input(message, v1: bool) -> bool:
    """Whether a message from a page is user input: a ``comm_msg`` whose method is in ``INPUT_METHODS``.  A
    page loading (``request_states``, ``comm_info_request``) or merely open sends none."""
    return widget_method(message, v1) in INPUT_METHODS


#: The claim of the page request being served (set by the page handler, read by the kernel manager).
current_claim: contextvars.ContextVar[Claim | None] = contextvars.ContextVar("pressbook_claim", default=None)


class VisitorAccounting:
    """Mixed into ``LimitedKernelManager``: which visitor holds which kernel.

    Needs ``max_kernels_per_visitor``, ``_kernels`` and ``_kernel_connections`` (jupyter_server) on the class.
    """

    def _visitor_init(self) -> None:
        self._visitor_of: dict[str, str] = {}  # kernel id -> visitor
        self._claims: set[Claim] = set()  # page requests being served
        self._handed_out: set[str] = set()  # pool kernels Voila gave to a page
        self._last_handout = float("-inf")  # time.monotonic() when Voila last gave a pool kernel to a page
        self._address_of: dict[str, str] = {}  # kernel id -> the client address of its page request
        self._last_input: dict[str, float] = {}  # kernel id -> time.monotonic() of its page's last user input
        self._page_sent: dict[str, float] = {}  # kernel id -> time.monotonic() when its page was sent
        self._page_visitors: dict[str, tuple[str, ...]] = {}  # kernel id -> who its page's requests come from
        self._visitor_seen: dict[str, float] = {}  # visitor -> time.monotonic() of their last request

    def pool_kernel_handed_out(self, kernel_id: str) -> None:
        """Voila gave the pool kernel ``kernel_id`` to the page request being served."""
        self._handed_out.add(kernel_id)
        self._last_handout = time.monotonic()
        self.attribute_kernel(kernel_id)

    def attribute_kernel(self, kernel_id: str, env: dict | None = None) -> None:
        """The page request being served got ``kernel_id`` (a pool kernel's refill, started in the request's
        context, is not the visitor's)."""
        claim = current_claim.get()
        if claim is None or claim.kernel_id is not None or (env or {}).get("VOILA_PREHEAT") == "True":
            return
        claim.kernel_id = kernel_id
        self._visitor_of[kernel_id] = claim.visitor
        self._address_of[kernel_id] = claim.address
        self._page_visitors[kernel_id] = (claim.visitor, claim.new_visitor)
        self._last_input[kernel_id] = time.monotonic()  # served now: as if its page had just been used

    async def pool_start_slot(self, env: dict | None):
        """For a preheated pool kernel (``VOILA_PREHEAT``): wait for a slot (``pool_fill_concurrency`` pool
        kernels prepared at once; one at a time while any page is connected to a kernel: students are
        working), letting the pages being served go first (not a page waiting for this very pool, which
        Voila hands out before it is ready): unless a page is waiting for a kernel, it waits until no page has
        been given a pool kernel for ``pool_refill_quiet`` seconds (the browsers of a class that has just
        opened the app are still loading their pages from the server and their kernels), at most
        ``pool_refill_wait_max`` seconds in all; returns
        the function that frees the slot once the kernel is started, or None when there is no limit.

        Why: when a class takes the pool's kernels, Voila starts one replacement per student at once; 40
        kernels importing and building the app on 2 cores (and the server rendering their pages) left the
        students' own pages and updates waiting 20 s (benchmarks/load_test.py, README). The wait for quiet:
        12 browser pages opening at once are still loading (tens of seconds on 2 cores) after the server has
        handed out their kernels; replacements prepared meanwhile compete with them (benchmarks/class_burst.py,
        README: a small gain, within the noise of a shared machine)."""
        if (env or {}).get("VOILA_PREHEAT") != "True" or not self.pool_fill_concurrency:
            return None
        if getattr(self, "_pool_slots", None) is None:
            self._pool_slots = asyncio.Semaphore(self.pool_fill_concurrency)
            self._class_slot = asyncio.Semaphore(1)
        await self._pool_slots.acquire()
        slots = [self._pool_slots]
        if any(self._kernel_connections.values()):  # a class is working: one at a time
            await self._class_slot.acquire()
            slots.append(self._class_slot)
        deadline = time.monotonic() + self.pool_refill_wait_max
        while time.monotonic() < deadline:  # then the pages being served first
            serving = any(c.kernel_id for c in self._claims)  # pages being rendered that have their kernel
            waiting = any(c.kernel_id is None for c in self._claims)  # a page waits for a kernel (maybe this one)
            loading = not waiting and time.monotonic() - self._last_handout < self.pool_refill_quiet
            if not serving and not loading:
                break
            await asyncio.sleep(0.5)
        return lambda kernel_id: self._free_slot_when_prepared(kernel_id, slots)

    def _free_slot_when_prepared(self, kernel_id: str | None, slots) -> None:
        """Free the slot once the kernel has built its app and waits for a visitor (its ``/voila/query``
        socket), was given to a page before that (Voila hands out pool kernels still being prepared), has
        gone, or after 90 s."""
        async def wait():
            try:
                from voila.request_info_handler import RequestInfoSocketHandler
                handler = RequestInfoSocketHandler
            except ImportError:
                handler = None
            deadline = time.monotonic() + 90
            try:
                while time.monotonic() < deadline:
                    if kernel_id is None or kernel_id not in self._kernels or kernel_id in self._handed_out:
                        break
                    if handler is not None and kernel_id in handler._waiters:
                        break
                    await asyncio.sleep(0.5)
            finally:
                for slot in slots:
                    slot.release()

        asyncio.ensure_future(wait())

    def forget_kernel(self, kernel_id: str) -> None:
        self._visitor_of.pop(kernel_id, None)
        self._address_of.pop(kernel_id, None)
        self._last_input.pop(kernel_id, None)
        self._page_sent.pop(kernel_id, None)
        self._page_visitors.pop(kernel_id, None)
        self.__dict__.get("_state_requests", {}).pop(kernel_id, None)
        self._handed_out.discard(kernel_id)

    def page_sent(self, kernel_id: str) -> None:
        """The page request that got ``kernel_id`` has been answered."""
        if kernel_id in self._visitor_of:
            self._page_sent[kernel_id] = time.monotonic()

    def note_request(self, visitor: str) -> None:
        """A request of ``visitor`` was answered (any path: the page's scripts, styles, kernel polls)."""
        if len(self._visitor_seen) > 10_000:  # forget the visitors that hold no kernel any more
            holders = {v for visitors in self._page_visitors.values() for v in visitors}
            self._visitor_seen = {v: t for v, t in self._visitor_seen.items() if v in holders}
        self._visitor_seen[visitor] = time.monotonic()

    def page_progress(self, kernel_id: str) -> float | None:
        """time.monotonic() of the last sign that the page of ``kernel_id`` is loading: now while the page is
        being sent, then its visitor's last request, at most ``page_load_max`` s after it was sent; None for a
        kernel no page request got."""
        if any(c.kernel_id == kernel_id for c in self._claims):
            return time.monotonic()
        sent = self._page_sent.get(kernel_id)
        if sent is None:
            return None
        seen = max((self._visitor_seen.get(v, sent) for v in self._page_visitors.get(kernel_id, ())), default=sent)
        return min(max(sent, seen), sent + getattr(self, "page_load_max", 0.0))

    def note_page_method(self, kernel_id: str, method: str) -> int:
        """The page of ``kernel_id`` sent a widget message with ``method`` (``widget_method``); returns how many
        ``request_states`` its kernel has been sent so far, this one included (0 for other methods)."""
        if method in INPUT_METHODS and kernel_id in self._last_input:
            self._last_input[kernel_id] = time.monotonic()
        if method != "request_states":
            return 0
        counts = self.__dict__.setdefault("_state_requests", {})
        counts[kernel_id] = counts.get(kernel_id, 0) + 1
        return counts[kernel_id]

    def address_count(self, address: str) -> int:
        """Kernels held by pages of ``address`` (any cookie), pages being served included."""
        held = sum(1 for k, a in self._address_of.items() if a == address and k in self._kernels)
        return held + sum(1 for c in self._claims if c.address == address and c.kernel_id is None)

    def least_active(self, address: str | None = None) -> str | None:
        """The kernel (of ``address``, else of any page) whose page has sent no user input for longest, if
        that is at least ``input_grace`` seconds; None otherwise."""
        grace = time.monotonic() - getattr(self, "input_grace", 0.0)
        idle = [(t, k) for k, t in self._last_input.items()
                if t <= grace and k in self._kernels and (address is None or self._address_of.get(k) == address)]
        return min(idle)[1] if idle else None

    async def free_least_active(self, address: str | None, why: str) -> bool:
        """Shut down ``least_active(address)``; False when no kernel may be freed."""
        kernel_id = self.least_active(address)
        if kernel_id is None:
            return False
        idle = time.monotonic() - self._last_input.get(kernel_id, time.monotonic())
        self.log.warning("%s: shutting down kernel %s of %s, whose page has sent no input for %d s", why,
                         kernel_id, self._address_of.get(kernel_id) or "?", idle)
        await self.shutdown_kernel(kernel_id)
        return True

    async def make_room_for_address(self, address: str) -> bool:
        """True if ``address`` may have one more kernel (after freeing one of its kernels whose page left,
        else its least active one)."""
        limit = getattr(self, "max_kernels_per_address", 0)
        if not limit or self.address_count(address) < limit:
            return True
        connected = getattr(self, "_connected", set())
        for kernel_id, owner in list(self._address_of.items()):
            if owner == address and kernel_id in connected and not self._kernel_connections.get(kernel_id, 0):
                await self.shutdown_kernel(kernel_id)
                return self.address_count(address) < limit
        why = f"address {address} at its limit of {limit} kernels"
        return await self.free_least_active(address, why) and self.address_count(address) < limit

    def visitor_kernels(self, visitor: str) -> list[str]:
        """The visitor's live kernels (oldest first)."""
        return [k for k, v in self._visitor_of.items() if v == visitor and k in self._kernels]

    def visitor_count(self, visitor: str) -> int:
        pending = sum(1 for c in self._claims if c.visitor == visitor and c.kernel_id is None)
        return len(self.visitor_kernels(visitor)) + pending

    async def make_room_for(self, visitor: str) -> bool:
        """True if the visitor may have one more kernel, after shutting down one of theirs that a page was
        connected to and no page is any more (a tab closed or left)."""
        limit = self.max_kernels_per_visitor
        if not limit or self.visitor_count(visitor) < limit:
            return True
        connected = getattr(self, "_connected", set())
        for kernel_id in self.visitor_kernels(visitor):
            if kernel_id in connected and not self._kernel_connections.get(kernel_id, 0):
                self.log.info("visitor at their limit of %d: shutting down kernel %s, which their page left",
                              limit, kernel_id)
                await self.shutdown_kernel(kernel_id)
                return self.visitor_count(visitor) < limit
        return False

    def notify_connect(self, kernel_id):
        """A page connected to the kernel: remember it (``_connected``, also the culler's record)."""
        connected = getattr(self, "_connected", None)
        if connected is not None and kernel_id in self._kernels:
            connected.add(kernel_id)
        return super().notify_connect(kernel_id)


# ----------------------------------------------------------------------------- the refusal page

TOO_MANY_TITLE = "Too many pages open"


def too_many_page(limit: int, network: bool = False) -> str:
    """The 429 page: ``limit`` pages of one visitor, or (``network``) of one network address."""
    again = ("<p>Close a tab of these apps that you no longer need, then reload this page. A tab you closed "
             "frees its place when you open the next page.</p>")
    who = (f"Your network already has {limit} pages of these apps open at once, the most one network address "
           "can have, so that other classes get places too." if network else
           f"You already have {limit} pages of these apps open at once, the most one visitor can have, so "
           "that every student in the class gets a place.")
    return (f"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{escape(TOO_MANY_TITLE)}</title></head>"
            "<body style=\"font:16px/1.5 sans-serif;max-width:40em;margin:3em auto;padding:0 1em\">"
            f"<h1>{escape(TOO_MANY_TITLE)}</h1><p>{who}</p>{again}</body></html>")


# ----------------------------------------------------------------------------- handlers


def _page_handler(base):
    class VisitorVoilaHandler(base):
        """Voila's page handler with the per-visitor limit (see the module docstring)."""

        _new_visitor = ""

        def _visitor(self) -> tuple[str, bool]:
            """(visitor, has a valid cookie); sets the cookie when the request had none."""
            visitor = request_visitor(self)
            if visitor.startswith("cookie "):
                return visitor, True
            value = uuid.uuid4().hex
            self.set_signed_cookie(VISITOR_COOKIE, value, expires_days=None, httponly=True,
                                   samesite="Lax", path=self.base_url or "/")
            self._new_visitor = "cookie " + value
            return "address " + (self.request.remote_ip or "?"), False

        def _refuse(self, limit: int, network: bool = False) -> None:
            self.set_status(429, TOO_MANY_TITLE)
            self.set_header("Retry-After", "5")
            self.set_header("Content-Type", "text/html; charset=utf-8")
            self.set_header("Cache-Control", "no-store")
            self.finish(too_many_page(limit, network))

        async def get(self, path=None):
            km = self.kernel_manager
            if not hasattr(km, "make_room_for"):
                return await super().get(path)
            limit = getattr(km, "max_kernels_per_visitor", 0)
            address = self.request.remote_ip or "?"
            per_address = getattr(km, "max_kernels_per_address", 0)
            if per_address and km.address_count(address) >= per_address and not await km.make_room_for_address(
                    address):
                self.log.warning("refusing a page to %s: %d pages open from that address (limit %d)", address,
                                 km.address_count(address), per_address)
                return self._refuse(per_address, network=True)
            if not limit:
                return await self._serve(km, path, "address " + address, address)
            visitor, has_cookie = self._visitor()
            if km.visitor_count(visitor) >= limit and not await km.make_room_for(visitor):
                if not has_cookie:  # a new cookie was just set: a browser comes back at once as its own visitor
                    self.set_header("Cache-Control", "no-store")
                    self.redirect(self.request.uri, status=307)
                    return None
                self.log.warning("refusing a page to a visitor: %d pages open (limit %d)",
                                 km.visitor_count(visitor), limit)
                return self._refuse(limit)
            return await self._serve(km, path, visitor, address)

        async def _serve(self, km, path, visitor: str, address: str):
            claim = Claim(visitor, address, new_visitor=self._new_visitor)
            km._claims.add(claim)
            token = current_claim.set(claim)
            try:
                return await super().get(path)
            finally:
                current_claim.reset(token)
                km._claims.discard(claim)
                if claim.kernel_id is not None:
                    km.page_sent(claim.kernel_id)

    return VisitorVoilaHandler


def pool_counts(km) -> tuple[int, int]:
    """(ready, size) over the preheated pools of a Voila kernel manager; (0, 0) without pools."""
    pools = getattr(km, "_pools", None)
    if not pools:
        return 0, 0
    try:
        from voila.request_info_handler import RequestInfoSocketHandler

        waiting = set(RequestInfoSocketHandler._waiters)
    except ImportError:
        waiting = set()
    config = getattr(km, "kernel_pools_config", {}) or {}
    default = config.get("default", {})
    ready = size = 0
    for name, pool in pools.items():
        size += int(config.get(name, default).get("pool_size", default.get("pool_size", 1)))
        for task in pool:
            if (task.done() and not task.cancelled() and task.exception() is None
                    and task.result().get("kernel_id") in waiting):
                ready += 1
    return ready, size


def _pool_handler():
    from jupyter_server.base.handlers import JupyterHandler

    class PoolStatusHandler(JupyterHandler):
        """``{"ready": k, "size": n, "filled": k >= n}`` for the preheated pools (no kernel ids)."""

        def get(self):
            ready, size = pool_counts(self.settings.get("kernel_manager"))
            self.set_header("Content-Type", "application/json")
            self.set_header("Cache-Control", "no-store")
            self.finish(json.dumps({"ready": ready, "size": size, "filled": size > 0 and ready >= size}))

    return PoolStatusHandler


def request_visitor(handler) -> str:
    """The visitor a finished request came from: its valid signed cookie, else its address."""
    try:
        raw = handler.get_signed_cookie(VISITOR_COOKIE, max_age_days=30)
        if raw:
            return "cookie " + raw.decode("ascii")
    except Exception:  # noqa: BLE001 - a bad cookie is no cookie
        pass
    return "address " + (handler.request.remote_ip or "?")


def _watch_requests(voila_app) -> list:
    """Tell the kernel manager about every answered request (``note_request``); no handlers of its own."""
    app, km = getattr(voila_app, "app", None), getattr(voila_app, "kernel_manager", None)
    if app is None or not hasattr(km, "note_request") or getattr(app, "_pressbook_watched", False):
        return []
    log_request = app.log_request

    def noted(handler):
        try:
            km.note_request(request_visitor(handler))
        finally:
            log_request(handler)

    app.log_request = noted
    app._pressbook_watched = True
    return []


def install_class_handlers() -> None:
    """Make Voila's app register the page handler with the visitor limit and the pool status handler."""
    import voila.app
    from jupyter_server.utils import url_path_join

    from .serving import voila_handlers_first

    if getattr(voila.app, "_pressbook_class_handlers", False):
        return
    voila.app.TornadoVoilaHandler = _page_handler(voila.app.TornadoVoilaHandler)
    pool_handler = _pool_handler()
    voila_handlers_first(lambda app: [(url_path_join(app.server_url, POOL_STATUS_PATH), pool_handler)])
    voila_handlers_first(_watch_requests)  # Voila's Tornado app exists when its handlers are made
    voila.app._pressbook_class_handlers = True


# ----------------------------------------------------------------------------- the start page

_POOL_JS = r"""
(function () {
  const box = document.getElementById("__ID__");
  if (!box) { return; }
  const first = document.querySelector(".jp-Cell");           // shown above the page's first cell
  if (first && first.parentNode && !first.contains(box)) { first.parentNode.insertBefore(box, first); }
  let base = "/";
  try { base = JSON.parse(document.getElementById("jupyter-config-data").textContent).baseUrl || "/"; }
  catch (e) { /* not in Voila */ }
  function show(s) {
    if (!s || !s.size) { box.textContent = ""; return; }
    box.style.display = "block";
    box.textContent = s.filled
      ? "Server ready: " + s.size + " app places are prepared, so a whole class can open the designer at once."
      : "Warming up: " + s.ready + " of " + s.size + " places prepared. A student arriving now waits longer; " +
        "the class can start when this says ready.";
    box.dataset.filled = s.filled ? "yes" : "no";
  }
  function poll() {
    fetch(base + "__PATH__", { cache: "no-store", credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (s) { show(s); if (s && s.size && !s.filled) { setTimeout(poll, 3000); } })
      .catch(function () { /* not a class server */ });
  }
  poll();
})();
"""


def pool_status_js(element_id: str = "pb-pool-status") -> str:
    return _POOL_JS.replace("__ID__", element_id).replace("__PATH__", POOL_STATUS_PATH)


def pool_status() -> None:
    """Show the preheated pool's status on the page (nothing when the server has no pool status)."""
    from IPython.display import HTML, Javascript, display

    display(HTML('<div id="pb-pool-status" class="pb-pool-status" role="status" aria-live="polite" '
                 'style="display:none;padding:8px 12px;border-left:4px solid #0b3d91;background:#eef3fb;'
                 'font:15px/1.4 sans-serif"></div>'), Javascript(pool_status_js()))
