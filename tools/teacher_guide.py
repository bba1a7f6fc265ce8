"""Write the model's numbers into docs/teacher_guide.md (one source: the apps' own questions and goals).

    python tools/teacher_guide.py          # rewrite the marked passages of the guide and the start page
    python tools/teacher_guide.py --check  # exit 1 when either is not current (the test suite runs this)

Every passage between ``<!-- model:NAME -->`` and ``<!-- /model -->`` is generated: for a question of the lesson
(``q_*`` of ``pressbook.teaching.lessons``, or of ``compaction``, ``spectra``, ``goals`` and ``certainty`` for
the other teaching apps' predictions), the answer the model gives today and its numbers (the same judge the app runs
when a student answers); ``goals`` is the choose-goal recommendation of each goal; ``lesson_plan`` (the guide's
table) and ``lesson_timings`` (the start page, notebooks/index.ipynb) come from ``pressbook.teaching.plan``, so
the two give the same minutes. The rest is prose.
"""
from __future__ import annotations

import argparse
import html
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

GUIDE = ROOT / "docs" / "teacher_guide.md"
START_PAGE = ROOT / "notebooks" / "index.ipynb"
MARK = re.compile(r"<!-- model:(?P<name>[a-z_]+) -->(?P<body>.*?)<!-- /model -->", re.S)


def _plain(text: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", text)).strip()


def passage(name: str) -> str:
    """The generated text of one marked passage."""
    from pressbook.teaching import certainty, compaction, goals, lessons, plan, spectra
    if name == "lesson_plan":
        return "\n\n" + plan.guide_table() + "\n\n"
    if name == "lesson_timings":
        return "\n\n" + plan.start_page_list() + "\n\n"
    if name == "goals":
        scored = goals.score_all()
        parts = []
        for goal, label in (("transport", "ion transport"), ("integrity", "structural integrity"),
                            ("reproducibility", "reproducibility")):
            best = goals.recommend(goal, scored).best
            parts.append(f"for **{label}** {best.name} ({best.what}: {best.total_asr:.0f} Ω·cm², worst risk "
                         f"{best.worst_score:.2f})")
        return "Today the app recommends " + "; ".join(parts) + "."
    module = next(m for m in (lessons, compaction, spectra, goals, certainty) if hasattr(m, name))
    q = getattr(module, name)()
    key, why = q.answer()
    return f"**{q.label(key)}**. Today: {_plain(why)}"


def render(text: str) -> str:
    return MARK.sub(lambda m: f"<!-- model:{m['name']} -->{passage(m['name'])}<!-- /model -->", text)


def render_notebook(text: str) -> str:
    """A notebook's JSON with the marked passages of its Markdown cells rendered (the rest kept as it is)."""
    nb = json.loads(text)
    for cell in nb["cells"]:
        if cell["cell_type"] == "markdown":
            src = "".join(cell["source"])
            new = render(src)
            if new != src:
                cell["source"] = new.splitlines(keepends=True)
    indent = 1 if '\n "cells"' in text else 2
    return json.dumps(nb, indent=indent, ensure_ascii=False) + "\n"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true")
    a = ap.parse_args(argv)
    stale = 0
    for path, rewrite in ((GUIDE, render), (START_PAGE, render_notebook)):
        old = path.read_text(encoding="utf-8")
        new = rewrite(old)
        name = path.relative_to(ROOT)
        if a.check:
            stale += new != old
            print(f"{name} is {'not current: run python tools/teacher_guide.py' if new != old else 'current'}")
        elif new != old:
            path.write_text(new, encoding="utf-8")
            print(f"wrote {name} ({len(MARK.findall(new))} model passages)")
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
