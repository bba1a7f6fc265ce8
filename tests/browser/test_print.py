"""Print (issue 26 item 3): the teacher guide and the worksheet print whole from the browser: Chromium's print to
PDF gives several A4 pages, and on paper no box clips the page's last heading or its last line."""
import re
from pathlib import Path

import pytest
from harness import open_app

pytestmark = pytest.mark.browser

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
DOCS = Path(__file__).resolve().parents[2] / "docs"

# In print media: is the element fully inside every ancestor that clips (overflow other than visible)?
UNCLIPPED = """(sel) => {
  const els = [...document.querySelectorAll(sel)];
  const el = els[els.length - 1];
  if (!el) return 'missing';
  const r = el.getBoundingClientRect();
  for (let a = el.parentElement; a; a = a.parentElement) {
    const cs = getComputedStyle(a);
    if (cs.overflowY === 'visible' && cs.overflowX === 'visible') continue;
    const b = a.getBoundingClientRect();
    if (r.bottom > b.bottom + 1 || r.top < b.top - 1) return `clipped by ${a.tagName}#${a.id}.${a.className}`;
  }
  return 'ok';
}"""


@pytest.mark.parametrize("nb, doc, min_pages", [("teacher_guide.ipynb", "teacher_guide.md", 3),
                                                 ("worksheet.ipynb", "student_worksheet.md", 1)])
def test_prints_whole(shared_voila, page, nb, doc, min_pages):
    open_app(page, shared_voila(NOTEBOOKS) + f"voila/render/{nb}")
    page.emulate_media(media="print")
    last_heading = [l.lstrip("#").strip() for l in (DOCS / doc).read_text(encoding="utf-8").splitlines()
                    if l.startswith("#")][-1]
    headings = page.locator(".jp-RenderedMarkdown h1, .jp-RenderedMarkdown h2, .jp-RenderedMarkdown h3, "
                            ".jp-RenderedMarkdown h4")
    assert last_heading in headings.last.inner_text()
    assert page.evaluate(UNCLIPPED, ".jp-RenderedMarkdown h1, .jp-RenderedMarkdown h2, .jp-RenderedMarkdown h3, "
                                    ".jp-RenderedMarkdown h4") == "ok"
    assert page.evaluate(UNCLIPPED, ".jp-RenderedMarkdown > *") == "ok"  # the last line too
    pdf = page.pdf(format="A4")
    pages = len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf))
    assert pages >= min_pages, pages
