"""BokehJS once (issue 25): one static file the browser caches, instead of 1.3 MB inlined in every page.

- **Server** (:func:`install_bokehjs`, called by ``etc/voila/offline.py`` for ``make app`` and ``make serve-class``):
  serves Bokeh's own ``bokeh.min.js`` (the installed package's copy, so it always matches the kernels' Bokeh) at
  ``voila/pressbook/bokehjs/bokeh.min.js?v=<md5 of the file>``, cached by the browser for a year (``immutable``)
  when ``v`` is that hash; puts the address in the template's resources (``pressbook_bokehjs``), where the
  ``pressbook`` template loads it with a plain, blocking ``<script src>`` in the page's head, before Voila's own
  scripts; and tells the kernels it starts (``ENV``) that their page carries BokehJS.
- **Kernel** (``common.load_bokehjs``): with ``ENV`` set it publishes only pressbook's small scripts; anywhere
  else (JupyterLab, the classic notebook, nbclient, another Voila) BokehJS inline as before.

Why the order matters (TOOLCHAIN.md: a static file "raced under load"): a script that inserts
``<script src=... async>`` while the page runs lets the widget manager build jupyter_bokeh's views before BokehJS
has run, and they fail with "Could not create a view for model id". A parser-blocking script in the head runs
before any of the page's own scripts, so ``window.Bokeh`` exists before the first widget is rendered.
"""
from __future__ import annotations

import os

__all__ = ["ENV", "FILE", "RESOURCE", "ROUTE", "bokehjs_dir", "in_page", "install_bokehjs"]

ENV = "PRESSBOOK_BOKEHJS_IN_PAGE"   #: set ("1") in the server's environment, so in every kernel it starts
RESOURCE = "pressbook_bokehjs"      #: the template's resource: the file's address below the base URL
ROUTE = "voila/pressbook/bokehjs/"  #: below the server URL
FILE = "bokeh.min.js"               #: the only file served: BokehJS's core (what Resources(components=["bokeh"]) holds)


def bokehjs_dir() -> str:
    """The folder of the installed Bokeh's compiled BokehJS."""
    from bokeh.util.paths import bokehjs_path

    return os.path.join(str(bokehjs_path()), "js")


def in_page() -> bool:
    """True in a kernel started by a server whose pages load BokehJS themselves (``install_bokehjs``)."""
    return os.environ.get(ENV) == "1"


def _handler():
    from tornado.web import StaticFileHandler

    from .transfer import IMMUTABLE

    class BokehJSHandler(StaticFileHandler):
        """``bokeh.min.js``: a year in the browser's cache when ``?v=`` is its content's hash, else revalidated."""

        def set_extra_headers(self, path: str) -> None:
            current = self.get_version(self.settings | {"static_path": self.root}, FILE)
            fresh = self.get_argument("v", None) == current
            self.set_header("Cache-Control", IMMUTABLE if fresh else "no-cache")

        def get_cache_time(self, path, modified, mime_type) -> int:
            return 0  # set_extra_headers decides (Tornado would cache any ?v= for ten years)

    return BokehJSHandler


def _add_resource(config, url: str) -> None:
    """Put ``RESOURCE: url`` into ``VoilaConfiguration.resources``, keeping what the config files and the command
    line set (the command line replaces the whole dict: adding it here, once both are read, keeps both)."""
    section = config.VoilaConfiguration
    resources = section.get("resources")
    if resources is not None and not isinstance(resources, dict):  # a LazyConfigValue or a string from the CLI
        from voila.configuration import VoilaConfiguration

        resources = (VoilaConfiguration.resources.from_string(resources) if isinstance(resources, str)
                     else resources.to_dict())
    section.resources = {**(resources or {}), RESOURCE: url}


def install_bokehjs() -> None:
    """Serve BokehJS as a static file loaded by the ``pressbook`` template, and make the kernels stop inlining it.
    Call once, before the server starts (etc/voila/offline.py)."""
    import voila.app
    from jupyter_server.utils import url_path_join
    from tornado.web import StaticFileHandler

    from .serving import voila_handlers_first

    if getattr(voila.app, "_pressbook_bokehjs", False):
        return
    folder = bokehjs_dir()
    version = StaticFileHandler.get_version({"static_path": folder}, FILE)

    def handlers(app):
        _add_resource(app.config, f"{ROUTE}{FILE}?v={version}")
        os.environ[ENV] = "1"  # kernels start with the server's environment
        return [(url_path_join(app.server_url, ROUTE, "(bokeh\\.min\\.js)"), _handler(), {"path": folder})]

    voila_handlers_first(handlers)
    voila.app._pressbook_bokehjs = True
