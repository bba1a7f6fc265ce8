""""Log this pellet": the form and the one code path that turns it into a pellet record, shared by the
pellet log app (``pressbook.apps.lablog``) and the designer's log panel (``pressbook.apps.designer.log_panel``).

The form holds what the model cannot know: the powder (material, lot, supplier, milling), who pressed it
(``JUPYTERHUB_USER`` or the OS user by default, editable), when, the press and die, and the glovebox.
``PelletForm.log(log, design, library)`` writes the record through ``PelletLog.add``, which keeps the
design (TOML), the model's prediction, the pressbook and materials-library versions. Every typed value
is checked by ``pressbook.lab.lablog.records.clean``: a bad one is a message naming the field.
"""
from __future__ import annotations

import datetime as dt
import os

import ipywidgets as w

STYLE = {"description_width": "190px"}


def log_enabled() -> bool:
    """False on a class server (``PRESSBOOK_LOG=off``, what ``make serve-class`` sets): students do not
    write into a lab's database."""
    return os.environ.get("PRESSBOOK_LOG", "on").strip().lower() not in ("off", "0", "no", "false")


#: what a page without a known visitor says (words only: no variable names, no database address)
READ_ONLY = ("Read-only: this page does not know who you are. It is served without a log-in, so every visitor "
             "would be the same person and could change anyone's pellets. You can read the pellets and the lab's "
             "numbers, recalibrate a lot and export pellets; to log pellets or enter measurements, open the pellet "
             "log through the lab's JupyterHub, or ask whoever runs this server to set it up for one named person "
             "(see the README, the lab's pellet log).")


def in_voila() -> bool:
    """True in a kernel of a Voila page (Voila puts VOILA_BASE_URL into every kernel's environment, preheated
    ones too; on JupyterHub as well)."""
    return "VOILA_BASE_URL" in os.environ


def visitor_unknown(log) -> bool:
    """True when a Voila page cannot tell who its visitor is: no JupyterHub user (``JUPYTERHUB_USER``), no one
    person the server was set up for (``PRESSBOOK_LOG_USER``) and no database role of their own (``log.enforced``).
    Anyone who reaches such a page would act as the server's user: the page must be read-only. Outside Voila
    (JupyterLab, Python) the person runs the kernel themselves: the operating-system user is theirs."""
    known = (os.environ.get("JUPYTERHUB_USER") or os.environ.get("PRESSBOOK_LOG_USER") or getattr(log, "enforced", False))
    return in_voila() and not known


def text_box(description: str, placeholder: str = "", value: str = "", css: str = "", width: str = "420px") -> w.Text:
    box = w.Text(value=value, description=description, placeholder=placeholder, style=STYLE,
                 layout=w.Layout(width=width))
    if css:
        box.add_class(css)
    return box


class PelletForm:
    """The pellet's powder, people, press and glovebox fields (CSS classes ``pbl-lot``, ``pbl-die``, ...)."""

    def __init__(self, user: str):
        self.material = text_box("Powder material", "default: the separator's", css="pbl-material")
        self.lot = text_box("Powder lot", css="pbl-lot")
        self.supplier = text_box("Supplier", css="pbl-supplier")
        self.milling = text_box("Milling", "mill, speed, time, media", css="pbl-milling")
        self.operator = text_box("Operator", value=user[:100], css="pbl-operator")
        self.die = text_box("Die", "e.g. 10 mm #3", css="pbl-die")
        self.press = text_box("Press", css="pbl-press")
        self.pressed_on = text_box("Pressed on", "YYYY-MM-DD", dt.date.today().isoformat(), css="pbl-date")
        self.o2 = text_box("Glovebox O2 (ppm)", "optional", css="pbl-o2")
        self.h2o = text_box("Glovebox H2O (ppm)", "optional", css="pbl-h2o")
        self.boxes = [self.material, self.lot, self.supplier, self.milling, self.operator, self.pressed_on, self.die,
                      self.press, self.o2, self.h2o]
        self.widget = w.HBox([w.VBox(self.boxes[:4]), w.VBox(self.boxes[4:])])

    def fields(self) -> dict:
        """The typed values as ``PelletLog.add`` takes them (checked there)."""
        return {"lot": self.lot.value, "supplier": self.supplier.value, "milling": self.milling.value,
                "operator": self.operator.value, "die": self.die.value, "press": self.press.value,
                "pressed_on": self.pressed_on.value,
                "glovebox": {"o2_ppm": self.o2.value.strip(), "h2o_ppm": self.h2o.value.strip()}}

    def log(self, log, design, library=None) -> dict:
        """Log a pellet pressed to ``design`` with the form's values; returns the record."""
        return log.add(design, material=self.material.value.strip() or None, library=library, **self.fields())


def logged_sentence(rec: dict) -> str:
    """What the page says after logging a pellet."""
    return (f"Logged pellet {rec['uid'][:8]} ({rec['material']}, lot {rec['lot'] or '-'}): predicted ejected "
            f"relative density {rec['pred_density']:.3f} at {rec['pressure_MPa']:g} MPa.")
