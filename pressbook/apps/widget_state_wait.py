"""How long a page waits for its widgets' state from the kernel: 60 s instead of ipywidgets' 4 s (issue 14).

A Voila page asks its kernel for every widget's state in one message (``request_states`` on the
``jupyter.widget.control`` comm). ipywidgets 8's widget manager (``ManagerBase._loadFromKernel`` in
``@jupyter-widgets/base``; the page loads the copy in the ``@jupyter-widgets/jupyterlab-manager`` extension,
Voila's ``widgets-manager8`` holds another) gives up after 4 s and falls back to asking for each widget
separately: a ``comm_info_request``, then one ``request_state`` per widget, each answer awaited without a
time limit.

The 4 s start when the page's script sends the request, while its kernel connection still waits for the
``kernel_info_reply``, so under load the request leaves after its time is up. Measured with 12 designer
pages opened at once on this 2-core machine (instrumented runs, 2026-11-29): in 4 runs, 11 or 12 of the 12
pages gave up, although the answer to the single request arrived 0.7-3 s after it left. Each such page then
asked for its 456 widgets one by one, about 1,900 messages instead of 155, and the slowest page was usable
after 75-79 s. Once, a page's answers stopped after 415 of the 456 (where the rest were lost was not found;
1,368 kernel messages in a burst can overflow a ZeroMQ queue of 1,000) and the page stayed at "Loading
widget..." until the Retry banner: the stuck page of the class burst test. With a 60 s wait no page fell
back, and the slowest page was usable after 39-64 s in 3 runs.

The fix is the smallest that works with the pinned Voila: the server hands out the extension files that
hold the widget manager with their 4 s wait read as ``CONTROL_COMM_WAIT_S``. A reply that never comes (a
dead kernel) still ends in the fallback, after the wait; the page's Retry banner (at 120 s) covers that.
``install_widget_state_wait()`` is called by ``serving.LimitedKernelManager`` (both server configs) before
Voila registers its handlers. A file whose wait reads otherwise (a new ipywidgets) is served unchanged with
a warning in the log; ``tests/test_widget_state_wait.py`` fails then.
"""
from __future__ import annotations

import logging
import re
from functools import cache
from pathlib import Path

__all__ = ["CONTROL_COMM_WAIT_S", "install_widget_state_wait", "patched_chunks"]

CONTROL_COMM_WAIT_S = 60
MESSAGE = "Control comm did not respond in time"
# the wait as the minifier wrote it: setTimeout((()=>i("...")),4e3) or setTimeout(()=>l("..."),4e3)
_SHIPPED = re.compile(r'(' + MESSAGE + r'"\)\)?,)4e3\)')

_IPYWIDGETS_7 = "@voila-dashboards/widgets-manager7/"  # left out of the page by Voila with ipywidgets 8

log = logging.getLogger(__name__)


@cache
def patched_chunks(extension_paths: tuple[str, ...]) -> dict[str, str]:
    """{path under the labextensions URL: the file's text with the wait set to ``CONTROL_COMM_WAIT_S``} for
    every extension chunk in ``extension_paths`` that holds ipywidgets' widget manager (the first copy of each
    path, as Voila serves it). A chunk whose wait does not read as expected is left out, with a warning."""
    found: dict[str, str] = {}
    for base in map(Path, extension_paths):
        for chunk in sorted(base.glob("**/static/*.js")):
            path = chunk.relative_to(base).as_posix()
            if path in found or path.startswith(_IPYWIDGETS_7):
                continue
            text = chunk.read_text(encoding="utf-8", errors="surrogateescape")
            if MESSAGE not in text:
                continue
            patched, n = _SHIPPED.subn(lambda m: f"{m.group(1)}{CONTROL_COMM_WAIT_S * 1000})", text)
            if n != 1 or text.count(MESSAGE) != 1:
                log.warning("%s: the widget-state wait is not the 4 s this fix expects; served unchanged", chunk)
                continue
            found[path] = patched
    return found


def _handler():
    from jupyter_server.base.handlers import JupyterHandler

    class PatchedChunkHandler(JupyterHandler):
        """Serves the widget manager's chunk with the longer wait (same caching as Voila's: revalidate)."""

        def initialize(self, text: str) -> None:
            self.text = text

        def get(self):
            self.set_header("Content-Type", "text/javascript; charset=UTF-8")
            self.set_header("Cache-Control", "no-cache")
            self.finish(self.text.encode("utf-8", errors="surrogateescape"))

    return PatchedChunkHandler


def install_widget_state_wait() -> None:
    """Make Voila's app serve the widget managers' chunks with the longer wait, before its own file handler."""
    import voila.app
    from jupyter_server.utils import url_path_join

    from .serving import voila_handlers_first

    if getattr(voila.app, "_pressbook_widget_state_wait", False):
        return
    handler = _handler()

    def patched_chunk_handlers(app):
        chunks = patched_chunks(tuple(app.labextensions_path))
        if not chunks:
            log.warning("no widget manager chunk found: pages wait 4 s for their widgets' state")
        return [(url_path_join(app.server_url, "voila/labextensions/", re.escape(path)), handler, {"text": text})
                for path, text in chunks.items()]

    voila_handlers_first(patched_chunk_handlers)
    voila.app._pressbook_widget_state_wait = True
