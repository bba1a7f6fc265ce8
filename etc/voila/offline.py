"""Voila configuration shared by etc/voila/app and etc/voila/class (their voila.py load it): pages rendered
with the `pressbook` template of etc/voila/templates, Voila's lab page without its CDN stylesheets, so
that no request leaves the machine (a classroom without internet gets a complete page); every text
response gzipped (pressbook.apps.transfer); BokehJS loaded by the template as a cached static file instead of
inlined by every app's kernel (pressbook.apps.bokehjs)."""
import os

_etc = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if os.path.isdir(os.path.join(_etc, "voila", "templates", "pressbook")):
    # Voila looks for templates in <jupyter path>/voila/templates/<name>
    os.environ["JUPYTER_PATH"] = os.pathsep.join(p for p in (_etc, os.environ.get("JUPYTER_PATH")) if p)
    c.VoilaConfiguration.template = "pressbook"  # noqa: F821 - `c` is the config traitlets provides

# "immutable_versioned_static": True would also cache ?v= static files for a year; off: with the scripts from
# the cache, tests/browser/test_route.py's walk through every app hit ipywidgets' "widget model not found"
# (2 of 2 whole-file runs; none without it) - see pressbook.apps.transfer
c.Voila.tornado_settings = {"compress_response": True}  # noqa: F821
from pressbook.apps.transfer import install_transfer  # noqa: E402

install_transfer()  # Voila reads compress_response too late by itself
from pressbook.apps.bokehjs import install_bokehjs  # noqa: E402

install_bokehjs()
