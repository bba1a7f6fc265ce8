"""Limits inside each app kernel against a crafted client (issue 14): ``guard_kernel()``.

Voila forwards widget (comm) messages from the page to the kernel; a crafted client can send any.

- **Message size**: a widget message (``comm_open`` or ``comm_msg``) larger than
  ``MAX_WIDGET_MESSAGE_BYTES`` is dropped before it reaches a widget (uploads are refused above
  2 MB in the browser already, see ``serving.page_guard``), so a client cannot fill the kernel with
  5 MB model values. An upload widget that takes larger files (the pellet log's photos, up to 8 MB) is
  allowed more with ``allow_large_messages(widget, limit, on_refused)``; a message it still cannot take
  calls ``on_refused(size)`` so that the app never reports a save without the file as complete.
- **No tracebacks to the page**: ipywidgets answers an exception in a widget message with
  ``showtraceback()`` (an ``error`` message with server paths, sent to the page), and the comm
  manager logs to the kernel's ``stderr`` (also sent to the page).  Both are logged on the kernel's
  real stderr (the server's log) with an error id instead.
- **Memory**: the kernel's data segment is limited (``RLIMIT_DATA``, ``PRESSBOOK_KERNEL_MEMORY_MB``,
  default 1500 MB; 0 switches it off).  A kernel that hits the limit exits, in a widget callback or while
  it reads a message (ipykernel would log an "Invalid Message" and go on, holding what it had); the server
  restarts it and the page guard offers a reload, which restores the design from the address.

``app_kernel()`` is true only inside an IPython kernel; ``guard_kernel()`` does nothing elsewhere.
"""
from __future__ import annotations

import logging
import os
import sys
import uuid

MAX_WIDGET_MESSAGE_BYTES = 3_000_000
KERNEL_MEMORY_MB = int(os.environ.get("PRESSBOOK_KERNEL_MEMORY_MB", "1500") or 0)

log = logging.getLogger("pressbook.apps.kernel_guard")
_installed = False


def _server_log_handler() -> logging.Handler:
    handler = logging.StreamHandler(sys.__stderr__)  # the kernel's real stderr: the server's log, never the page
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    return handler


def message_size(obj, limit: int) -> int:
    """Approximate size of a message's data (bytes of text and buffers), counting stops above ``limit``."""
    total, stack = 0, [obj]
    while stack and total <= limit:
        item = stack.pop()
        if isinstance(item, (str, bytes, bytearray)):
            total += len(item)
        elif isinstance(item, memoryview):
            total += item.nbytes
        elif isinstance(item, dict):
            total += 8 * len(item)
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, (list, tuple)):
            total += 8 * len(item)
            stack.extend(item)
        else:
            total += 8
    return total


def refuse_large(msg: dict, limit: int = MAX_WIDGET_MESSAGE_BYTES) -> bool:
    """True (and logged) when a widget message is over ``limit``: drop it."""
    size = message_size([msg.get("content", {}).get("data"), msg.get("buffers") or []], limit)
    if size > limit:
        log.warning("widget message of more than %d bytes dropped (limit %d)", size, limit)
        return True
    return False


#: widget model id -> (largest message it takes in bytes, called with the size of one refused)
_ALLOWED: dict[str, tuple[int, object]] = {}
#: room for a message's JSON around an upload's bytes (name, type, dates, widget state)
MESSAGE_MARGIN_BYTES = 100_000


def allow_large_messages(widget, limit: int, on_refused=None) -> None:
    """Let ``widget`` (an upload taking files up to ``limit`` bytes) receive messages up to ``limit`` plus
    ``MESSAGE_MARGIN_BYTES``; ``on_refused(size)`` is called when one of its messages is still too large.
    Keep ``limit`` well below the server's 10 MiB websocket message limit."""
    _ALLOWED[widget.model_id] = (int(limit) + MESSAGE_MARGIN_BYTES, on_refused)


def refused_for(widget, msg: dict) -> bool:
    """True when ``msg`` to ``widget`` is over the widget's limit (its allowance, else
    ``MAX_WIDGET_MESSAGE_BYTES``); tells the widget's ``on_refused`` (see ``allow_large_messages``)."""
    limit, on_refused = _ALLOWED.get(getattr(widget, "model_id", None), (MAX_WIDGET_MESSAGE_BYTES, None))
    if not refuse_large(msg, limit):
        return False
    if on_refused is not None:
        size = message_size([msg.get("content", {}).get("data"), msg.get("buffers") or []], limit)
        _logged("a refused upload's message", on_refused)(size)
    return True


def _logged(what: str, fn):
    """``fn`` whose exceptions are logged with an error id on the server instead of sent to the page."""
    def run(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except MemoryError:
            _out_of_memory(what)
        except Exception:
            log.warning("widget message refused in %s (error id %s)", what, uuid.uuid4().hex[:8], exc_info=True)
    return run


def _out_of_memory(what: str) -> None:
    log.error("kernel out of memory in %s: exiting (the server restarts the kernel)", what)
    os._exit(3)


def exit_on_memory_error(session) -> None:
    """Make ``session.deserialize`` (a ``jupyter_client`` session: how the kernel reads every message) exit the
    kernel on a ``MemoryError`` instead of raising it."""
    deserialize = session.deserialize

    def guarded(*args, **kwargs):
        try:
            return deserialize(*args, **kwargs)
        except MemoryError:
            _out_of_memory("a message from the page")

    session.deserialize = guarded


def app_kernel() -> bool:
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and hasattr(shell, "kernel")


def limit_memory(megabytes: int = KERNEL_MEMORY_MB) -> bool:
    """Limit this process's data segment to ``megabytes`` (Linux ``RLIMIT_DATA``); False if not possible."""
    try:
        import resource
    except ImportError:
        return False
    if megabytes <= 0:
        return False
    limit = megabytes * 2**20
    soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    try:
        resource.setrlimit(resource.RLIMIT_DATA, (limit, hard))
    except (ValueError, OSError):
        return False
    return True


def guard_kernel() -> None:
    """Install the limits above in this kernel, once, before the app builds its widgets."""
    global _installed
    if _installed or not app_kernel():
        return
    from ipywidgets import Widget
    from ipywidgets import comm as widget_comm

    for name in ("Comm", "pressbook.apps.kernel_guard"):
        logger = logging.getLogger(name)
        logger.handlers[:] = [_server_log_handler()]
        logger.propagate = False

    handle_msg = Widget._handle_msg
    inner = handle_msg.__closure__[0].cell_contents if handle_msg.__closure__ else handle_msg  # without showtraceback

    def _handle_msg(self, msg):
        if not refused_for(self, msg):
            _logged("a widget update", inner)(self, msg)

    def handle_comm_opened(comm, msg):
        if refuse_large(msg):
            comm.close()
            return
        _logged("a widget opened by the page", Widget.handle_comm_opened)(comm, msg)

    Widget._handle_msg = _handle_msg  # widgets created from now on answer through it
    widget_comm.get_comm_manager().register_target("jupyter.widget", handle_comm_opened)
    from IPython import get_ipython

    exit_on_memory_error(get_ipython().kernel.session)
    limit_memory()
    _installed = True
