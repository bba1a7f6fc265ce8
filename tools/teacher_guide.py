"""Write the model's numbers into docs/teacher_guide.md (one source: the apps' own questions and goals).

    python tools/teacher_guide.py          # rewrite the marked passages of docs/teacher_guide.md
    python tools/teacher_guide.py --check  # exit 1 when the guide is not current (the test suite runs this)

Every passage between ``<!-- model:NAME -->`` and ``<!-- /model -->`` is generated: for a question of the lesson
(``q_*`` of ``pressbook.teaching.lessons``, or of ``compaction``, ``spectra`` and ``goals`` for the other
teaching apps' predictions), the answer the model gives today and its numbers (the same judge the app runs
when a student answers); ``goals`` is the choose-goal recommendation of each goal. The rest of the guide is prose.
"""
from __future__ import annotations

import argparse
import html
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

GUIDE = ROOT / "docs" / "teacher_guide.md"
MARK = re.compile(r"<!-- model:(?P<name>[a-z_]+) -->(?P<body>.*?)<!-- /model -->", re.S)


def _plain(text: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", text)).strip()


def passage(name: str) -> str:
    """The generated text of one marked passage."""
    from pressbook.teaching import compaction, goals, lessons, spectra
    if name == "goals":
        scored = goals.score_all()
        parts = []
        for goal, label in (("transport", "ion transport"), ("integrity", "structural integrity"),
                            ("reproducibility", "reproducibility")):
            best = goals.recommend(goal, scored).best
            parts.append(f"for **{label}** {best.name} ({best.what}: {best.total_asr:.0f} Ω·cm², worst risk "
                         f"{best.worst_score:.2f})")
        return "Today the app recommends " + "; ".join(parts) + "."
    module = next(m for m in (lessons, compaction, spectra, goals) if hasattr(m, name))
    q = getattr(module, name)()
    key, why = q.answer()
    return f"**{q.label(key)}**. Today: {_plain(why)}"


def render(text: str) -> str:
    return MARK.sub(lambda m: f"<!-- model:{m['name']} -->{passage(m['name'])}<!-- /model -->", text)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true")
    a = ap.parse_args(argv)
    old = GUIDE.read_text(encoding="utf-8")
    new = render(old)
    if a.check:
        if new != old:
            print("docs/teacher_guide.md is not current: run python tools/teacher_guide.py")
            return 1
        print("docs/teacher_guide.md is current")
        return 0
    GUIDE.write_text(new, encoding="utf-8")
    print(f"wrote {GUIDE.relative_to(ROOT)} ({len(MARK.findall(new))} model passages)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
