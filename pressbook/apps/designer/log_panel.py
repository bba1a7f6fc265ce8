"""The designer's "Log this pellet" panel: log the current design in the lab's pellet log.

The fields and the logging are the pellet log app's own (``pressbook.apps.pellet_form.PelletForm``): the
record keeps the design as TOML, the model's prediction with the designer's materials (your uploaded ones
too), the pressbook and materials-library versions. The log is opened on the first click (PRESSBOOK_DB,
else the user's SQLite file), so the designer starts as fast as before. On a class server
(``PRESSBOOK_LOG=off``) the panel is not shown, as the protocol card shows no "log this pellet" link.
"""
from __future__ import annotations

import ipywidgets as w

from ...errors import PressbookError
from ...views.words import plain_message
from ..common import app_link
from ..onboarding import Message
from ..pellet_form import PelletForm, log_enabled, logged_sentence
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
        super().__init__([
            w.HTML("<h3 class='pb-h'>Log this pellet</h3><span class='pb-hint'>When you press this design, keep "
                   "it in the lab's pellet log with the powder you used; enter what you measured later in the "
                   "pellet log.</span>"),
            self.form.widget, self.button, self.message, self.next_step])
        self.add_class("pb-log-pellet")

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
            if self.pellet_log is None:
                from ...lab.lablog import open_log

                self.pellet_log = open_log(self.db)
            rec = self.form.log(self.pellet_log, state.design, self.library())
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
