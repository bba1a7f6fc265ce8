"""The designer's "Log this pellet" panel: log the current design in the lab's pellet log.

The fields and the logging are the pellet log app's own (``pressbook.apps.pellet_form.PelletForm``): the
record keeps the design as TOML, the model's prediction with the designer's materials (your uploaded ones
too), the pressbook and materials-library versions. The log is opened on the first click (PRESSBOOK_DB,
else the user's SQLite file), so the designer starts as fast as before. On a class server
(``PRESSBOOK_LOG=off``) the panel is not shown, as the protocol card shows no "log this pellet" link. On a
Voila page that cannot tell who its visitor is (``pellet_form.visitor_unknown``: no JupyterHub user, no person
set up for the server, no database role of their own) the panel is read-only, as the pellet log app: every
visitor would log as the server's user, under any operator's name (issue 27, item 9).
"""
from __future__ import annotations

import html

import ipywidgets as w

from ...errors import PressbookError
from ...views.words import plain_message
from ..common import app_link
from ..onboarding import Message
from ..pellet_form import READ_ONLY, PelletForm, log_enabled, logged_sentence, visitor_unknown
from .state import DesignerState, log, new_error_id


def current_user() -> str:
    from ...lab.lablog.store import (
        current_user as user,  # SQLAlchemy only when the log is used
    )

    return user()


class LogPanel(w.VBox):
    """A view (``panel(state)``) remembering the last valid design; the button logs it."""

    def __init__(self, state: DesignerState, library=lambda: None, db=None):
        self.state, self.library, self.db = state, library, db
        self.pellet_log = None
        self.enabled = log_enabled()
        if not self.enabled:
            super().__init__([], layout=w.Layout(display="none"))
            return
        self.form = PelletForm(current_user())
        self.button = w.Button(description="Log this pellet", button_style="primary",
                               tooltip="keep this design, its prediction and the powder in the lab's pellet log")
        self.button.add_class("pbl-log")
        self.message = Message()
        self.message.add_class("pbl-log-message")
        self.button.on_click(lambda _b: self.log_pellet())
        self.next_step = w.HTML()
        self.next_step.add_class("pbl-next")
        self.read_only = self._read_only()
        note = w.HTML(f"<p class='pbl-read-only' role='note'>{html.escape(READ_ONLY)}</p>" if self.read_only else "")
        for box in (*self.form.boxes, self.button):
            box.disabled = self.read_only
        super().__init__([
            w.HTML("<h3 class='pb-h'>Log this pellet</h3><span class='pb-hint'>When you press this design, keep "
                   "it in the lab's pellet log with the powder you used; enter what you measured later in the "
                   "pellet log.</span>"),
            note, self.form.widget, self.button, self.message, self.next_step])
        self.add_class("pb-log-pellet")

    def _read_only(self) -> bool:
        """True on a Voila page whose visitor is unknown. Only then is the log opened here (does the database
        know the visitor's role?); elsewhere on the first click, so the designer starts as fast as before."""
        if not visitor_unknown(None):   # outside Voila, or a known user
            return False
        try:
            self._open()
        except Exception:  # noqa: BLE001 - read-only; a click says why the log cannot be opened
            return True
        return bool(self.pellet_log.read_only)

    def _open(self):
        """The pellet log, opened once; read-only (every write refused) when the visitor is unknown."""
        if self.pellet_log is None:
            from ...lab.lablog import open_log

            self.pellet_log = open_log(self.db)
            if visitor_unknown(self.pellet_log):
                self.pellet_log.read_only = READ_ONLY
        return self.pellet_log

    def __call__(self, state: DesignerState) -> None:
        """Nothing to draw: the button reads the state when clicked."""

    def log_pellet(self) -> dict | None:
        """Log the current design; every problem becomes a message (never a traceback)."""
        state = self.state
        self.next_step.value = ""
        try:
            if state.errors or state.design is None:
                raise PressbookError("design: it has errors (see the messages above) and the results shown are "
                                     "of an earlier design; allowed: a design without errors")
            rec = self.form.log(self._open(), state.design, self.library())
        except PressbookError as exc:
            self.message.say(plain_message(exc))
            return None
        except Exception:  # noqa: BLE001 - a message with an id, the details in the log
            eid = new_error_id()
            log.exception("designer: logging a pellet failed (error id %s)", eid)
            self.message.say(f"Something went wrong (error id {eid}); nothing was logged. Please report the id.")
            return None
        self.message.say(logged_sentence(rec))
        self.next_step.value = app_link("lab_log", None, "Enter what you measure in the pellet log")
        return rec
