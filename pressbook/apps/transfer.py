"""What a page costs on the wire (issue 25): compressed responses, and versioned static files cached for good.

- **Compression.** Voila 0.5.13 builds its Tornado application before it applies ``Voila.tornado_settings``, and
  Tornado decides on gzip when the application is built: ``compress_response`` in those settings alone changes
  nothing. :func:`install_transfer` adds Tornado's gzip transform to Voila's application when its settings ask
  for it (``etc/voila/offline.py`` does, for both server configs): every text response over 1 KB (the page,
  scripts, stylesheets, JSON) goes gzipped to a browser that accepts it.
- **Caching.** With the Tornado setting ``immutable_versioned_static`` (off in ``etc/voila/offline.py``: with
  the scripts from the cache, a walk through every app in one tab hit ipywidgets' "widget model not found"), a
  static file whose URL carries its content's version (``?v=<hash>``: the template's scripts and stylesheets,
  the JupyterLab extensions' chunks) is sent with ``Cache-Control: public, max-age=31536000, immutable``, so
  another app of the route asks for none of them again. Files without one (Voila's own
  ``/voila/static/NNNN.voila.js``, whose names stay when their content changes) keep Voila's headers and are
  revalidated; so are the widget manager chunks pressbook serves changed (``widget_state_wait``).
"""
from __future__ import annotations

__all__ = ["IMMUTABLE", "SETTING", "install_transfer"]

IMMUTABLE = "public, max-age=31536000, immutable"
SETTING = "immutable_versioned_static"  #: the Tornado setting that switches the caching on
#: Voila's static file handlers (names in ``voila.app``): the template's files, Voila's own, the extensions'
STATIC_HANDLERS = ("TemplateStaticFileHandler", "MultiStaticFileHandler", "FileFindHandler")


class _VersionedImmutable:
    """Mixin of a Tornado static file handler: a URL with ``?v=`` (the content's hash) is cached for a year when
    the application's settings have ``SETTING``."""

    def set_headers(self) -> None:
        super().set_headers()
        if "v" in self.request.arguments and self.settings.get(SETTING):
            self.set_header("Cache-Control", IMMUTABLE)


def _gzip_when_asked(voila_app) -> list:
    """Add Tornado's gzip transform to Voila's application when its settings have ``compress_response``; no
    handlers of its own (run by ``voila_handlers_first`` when Voila registers its handlers, its settings set)."""
    from tornado.web import GZipContentEncoding

    web = voila_app.app
    if web.settings.get("compress_response") and GZipContentEncoding not in web.transforms:
        web.transforms.append(GZipContentEncoding)
    return []


def install_transfer() -> None:
    """Make standalone Voila compress its responses and serve versioned static files as immutable, each when its
    Tornado settings ask for it (``compress_response``, ``SETTING``). Call once, before the server starts."""
    import voila.app

    from .serving import voila_handlers_first

    if getattr(voila.app, "_pressbook_transfer", False):
        return
    for name in STATIC_HANDLERS:
        base = getattr(voila.app, name)
        setattr(voila.app, name, type(base.__name__, (_VersionedImmutable, base), {"__module__": __name__}))
    voila_handlers_first(_gzip_when_asked)
    voila.app._pressbook_transfer = True
