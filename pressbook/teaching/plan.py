"""The 50-minute lesson: one list of its stages, from which the teacher guide's plan and the start page's timings
are written (tools/teacher_guide.py), so the two always agree."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Stage:
    start: int   # minutes from the start of the lesson
    end: int     # minutes
    what: str    # what happens (Markdown)
    who: str     # whole class, pairs, ...
    app: str     # the app's title ("none" when no app is used)
    page: str    # the app's notebook ("" when none)


APPS = {"Why multi-step pressing?": "why_multistep.ipynb", "Choosing a protocol for your goal": "choose_goal.ipynb",
        "Sequence designer": "designer.ipynb", "none": ""}

LESSON = [
    Stage(0, 5, "The question: labs press a solid-state cell in three steps (separator about 300 MPa, cathode about "
                "450 MPa, lithium about 10 MPa). Why not once? Students write a first guess on the worksheet.",
          "whole class", "none", ""),
    Stage(5, 12, "Part 1 (voids) and part 2 (substrate): lock in a prediction, observe, explain.", "pairs",
          "Why multi-step pressing?", APPS["Why multi-step pressing?"]),
    Stage(12, 20, "Part 3 (differential pressure) and part 4 (the gentle anode step).", "pairs",
          "Why multi-step pressing?", APPS["Why multi-step pressing?"]),
    Stage(20, 27, "Part 5 (what goes wrong); discuss prompt 5 with the class.", "pairs, then class",
          "Why multi-step pressing?", APPS["Why multi-step pressing?"]),
    Stage(27, 35, "Predict what the recommendation gives up, then pick a goal and read what it trades away. Two pairs "
                  "with different goals compare.", "pairs",
          "Choosing a protocol for your goal", APPS["Choosing a protocol for your goal"]),
    Stage(35, 45, "Open the recommended protocol in the designer (link under the recommendation). Change one step and "
                  "record what moves and which risk appears.", "pairs", "Sequence designer", APPS["Sequence designer"]),
    Stage(45, 50, "Three pairs share one finding each; collect worksheets.", "whole class", "none", ""),
]

#: the start page's line for each app, with its link (the stages of one app are one line there)
START_PAGE_WORDS = {
    "none": ("the question: why do labs press a solid-state cell in three steps? (whole class)",
             "share one finding with the class."),
    "Why multi-step pressing?": "[Why multi-step pressing?](why_multistep.ipynb), parts 1 to 5: lock in a "
                                "prediction, observe, explain.",
    "Choosing a protocol for your goal": "[Choosing a protocol for your goal](choose_goal.ipynb): predict what the "
                                         "recommendation gives up, pick a goal, read what it trades away.",
    "Sequence designer": "open the recommended protocol in the [designer](designer.ipynb) (the link under the "
                         "recommendation) and change one step: what moves, and what risk appears?",
}


def guide_table() -> str:
    """The teacher guide's lesson plan: a Markdown table, one row per stage."""
    rows = ["| time | what | who | app |", "|---|---|---|---|"]
    rows += [f"| {s.start}-{s.end} min | {s.what} | {s.who} | {s.app} |" for s in LESSON]
    return "\n".join(rows)


def start_page_list() -> str:
    """The start page's timings: a numbered Markdown list, the consecutive stages of one app joined."""
    groups: list[list[Stage]] = []
    for s in LESSON:
        if groups and s.app == groups[-1][0].app and s.app != "none":
            groups[-1].append(s)
        else:
            groups.append([s])
    lines = []
    for i, g in enumerate(groups, 1):
        first, last = g[0], g[-1]
        if first.app == "none":
            words = START_PAGE_WORDS["none"][0 if first.start == 0 else 1]
            lines.append(f"{i}. **{first.start}-{last.end} min**: {words}")
        else:
            lines.append(f"{i}. **{first.start}-{last.end} min**: {START_PAGE_WORDS[first.app]}")
    return "\n".join(lines)
