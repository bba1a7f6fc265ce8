"""Voila configuration shared by etc/voila/app and etc/voila/class (their voila.py load it): pages rendered
with the `pressbook` template of etc/voila/templates, Voila's lab page without its CDN stylesheets, so
that no request leaves the machine (a classroom without internet gets a complete page)."""
import os

_etc = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if os.path.isdir(os.path.join(_etc, "voila", "templates", "pressbook")):
    # Voila looks for templates in <jupyter path>/voila/templates/<name>
    os.environ["JUPYTER_PATH"] = os.pathsep.join(p for p in (_etc, os.environ.get("JUPYTER_PATH")) if p)
    c.VoilaConfiguration.template = "pressbook"  # noqa: F821 - `c` is the config traitlets provides
