"""Predict-observe-explain: the widget that walks a student through one part of a story.

1. Predict: a question with choices and a "Lock in my prediction" button (the observation stays hidden
   until then, so the prediction is a real one).
2. Observe: the part's interactive widgets (sliders, plots) appear.
3. Explain: a button shows whether the prediction was right (by the model's numbers), the explanation,
   and a short check question with its own feedback.

The right answers come from ``Question.judge`` (the model), never from text typed into the notebook.
"""
from __future__ import annotations

import html
from typing import Callable

import ipywidgets as w
import traitlets as t

from ...teaching.questions import Question
from ..common import move_focus, named
from .ui import Message, feedback_html, safe


class ChoiceQuestion(w.VBox):
    """A question with radio choices, a button and feedback computed from the model."""

    def __init__(self, question: Question, button: str = "Check my answer", css: str = "", on_answer=None):
        self.question = question
        self.message = Message()
        self.prompt = w.HTML(f"<b>{question.prompt}</b>")
        self.choices = w.RadioButtons(options=[(label, key) for key, label in question.choices], value=None,
                                      layout=w.Layout(width="max-content"))
        self.button = w.Button(description=button, button_style="primary", disabled=True,
                               layout=w.Layout(width="max-content"))
        self.feedback = w.HTML("")
        self.last = None
        self._on_answer = on_answer
        if css:
            self.add_class(css)
            self.button.add_class(css + "-button")
            self.feedback.add_class(css + "-feedback")
            self.choices.add_class(css + "-choices")
        self.choices.observe(safe(self.message)(self._chosen), names="value")
        self.button.on_click(safe(self.message)(self._check))
        super().__init__([self.prompt, self.choices, self.button, self.feedback, self.message])

    def _chosen(self, change):
        self.button.disabled = change["new"] is None

    def _check(self, _=None):
        fb = self.question.evaluate(self.choices.value)
        self.last = fb
        self.feedback.value = feedback_html(fb)
        if self._on_answer is not None:
            self._on_answer(fb)
        return fb


class PoeState(t.HasTraits):
    """Where a student is in one predict-observe-explain part: the one object the part's widgets follow."""

    prediction = t.Unicode(None, allow_none=True)  # key of the locked prediction; None until locked
    explained = t.Bool(False)                      # the explanation has been asked for


class PredictObserveExplain(w.VBox):
    """One part of a story: predict (question), observe (widgets), explain (model text + optional check).

    The widgets write to ``state`` (a ``PoeState``) and one observer shows what the state allows: the
    observation only after a prediction is locked, the locked prediction as a plain "Your prediction" line.
    """

    def __init__(self, key: str, title: str, predict: Question, observe: w.Widget,
                 explain: Callable[[], str], check: Question | None = None, part: str = ""):
        """``part``: how the page calls this part ("part 1"), in its buttons' accessible names (default ``key``);
        ``check``: a check question after the explanation (none when not given)."""
        self.key = key
        self.part = part or key
        self.state = PoeState()
        self.message = Message()
        self.explain_fn = explain
        self.title = w.HTML(f"<h3>{title}</h3>" if title else "")
        self.predict = ChoiceQuestion(predict, button="Lock in my prediction", css=f"pb-{key}-predict",
                                      on_answer=self._locked)
        self.predict.feedback.layout.display = "none"  # verdict shown with the explanation
        self.locked_line = w.HTML("", layout=w.Layout(display="none"))
        self.locked_line.add_class(f"pb-{key}-locked")
        self.observe_intro = w.HTML("<b>Observe:</b> press, and watch what the model predicts.")
        self.observe_box = w.VBox([self.observe_intro, observe])
        self.observe_box.add_class(f"pb-{key}-observe")
        self.observe_box.layout.display = "none"
        self.explain_button = w.Button(description="Explain what I saw", button_style="info",
                                       layout=w.Layout(width="max-content", display="none"))
        self.explain_button.add_class(f"pb-{key}-explain-button")
        self.explanation = w.HTML("")
        self.explanation.add_class(f"pb-{key}-explanation")
        self.check = ChoiceQuestion(check, button="Check", css=f"pb-{key}-check") if check is not None else None
        named(self.predict.button, f"Lock in my prediction, {self.part}")  # the same buttons in every part
        named(self.explain_button, f"Explain what I saw, {self.part}")
        if self.check is not None:
            named(self.check.button, f"Check, {self.part}")
            self.check.layout.display = "none"
        self.explain_button.on_click(safe(self.message)(self._explain))
        self.state.observe(safe(self.message)(self._show), names=["prediction", "explained"])
        children = [self.title, self.predict, self.locked_line, self.observe_box, self.explain_button,
                    self.explanation]
        super().__init__(children + ([self.check] if self.check is not None else []) + [self.message])
        self.add_class(f"pb-part-{key}")

    def _locked(self, feedback):
        self.state.prediction = feedback.chosen

    def _explain(self, _=None):
        if self.state.prediction is None:
            return
        if self.state.explained:
            self._show()  # asked again: the explanation follows the sliders as they are now
        else:
            self.state.explained = True

    def _show(self, change=None):
        """Show what the state allows (the only place that reveals or hides the part's widgets)."""
        locked = self.state.prediction is not None
        if locked:
            self.predict.choices.disabled = True
            self.predict.choices.layout.display = "none"
            self.predict.button.disabled = True
            self.predict.button.description = "Prediction locked in"
            named(self.predict.button, f"Prediction locked in, {self.part}")
            label = self.predict.question.label(self.state.prediction)
            self.locked_line.value = f"<b>Your prediction:</b> {html.escape(label)}"
            self.locked_line.layout.display = ""
            self.observe_box.layout.display = ""
            self.explain_button.layout.display = ""
            if change is not None and change["name"] == "prediction":
                move_focus(self.observe_intro)  # the focus goes to what was revealed, not to the top of the page
        if self.state.explained and locked:
            fb = self.predict.last
            verdict = feedback_html(fb) if fb is not None else ""
            label = html.escape(self.predict.question.label(self.state.prediction))
            self.explanation.value = (f"<b>Your prediction:</b> {label}" + verdict + "<b>Why:</b>" + self.explain_fn())
            if self.check is not None:
                self.check.layout.display = ""
