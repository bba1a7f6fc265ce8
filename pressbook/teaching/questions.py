"""Multiple-choice questions whose right answer is computed from the model.

A ``Question`` holds a prompt, its choices and a ``judge``: a function that runs the model and
returns the key of the right choice and the reason in words, with the model's numbers. The answer
is never typed in by hand, so if the model (or its parameters) change, the feedback follows.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from ..errors import InvalidInputError


@dataclass(frozen=True)
class Feedback:
    correct: bool
    chosen: str           # key of the chosen answer
    answer: str           # key of the right answer (by the model)
    answer_label: str
    why: str              # the model's numbers in words (plain text, may contain simple HTML)

    @property
    def verdict(self) -> str:
        return "Right." if self.correct else f"Not quite: by the model, the answer is “{self.answer_label}”."


@dataclass
class Question:
    prompt: str
    choices: list          # [(key, label), ...]
    judge: Callable[[], tuple]  # () -> (right key, why)

    def keys(self) -> list[str]:
        return [k for k, _ in self.choices]

    def label(self, key: str) -> str:
        return dict(self.choices)[key]

    def answer(self) -> tuple[str, str]:
        key, why = self.judge()
        if key not in self.keys():  # a judge must map the model's result onto one of the choices
            raise InvalidInputError("answer", key, ", ".join(self.keys()))
        return key, why

    def evaluate(self, chosen) -> Feedback:
        """Feedback for a chosen key (validated: a visitor can send any value through the widget comm)."""
        if not isinstance(chosen, str) or chosen not in self.keys():
            raise InvalidInputError("choice", chosen, ", ".join(self.keys()))
        key, why = self.answer()
        return Feedback(correct=chosen == key, chosen=chosen, answer=key, answer_label=self.label(key), why=why)
