"""Phones (issue 26 item 1), in Chromium at a phone's viewport: the designer's summary within the first two
screens, wide tables as stacked rows ("column: value") whose numbers and units stay on one line, and the same
tables as ordinary tables on a laptop. Screenshots in test-artifacts/test_phone/."""
from pathlib import Path

import pytest
from harness import artifacts_dir, error_outputs, open_app

pytestmark = pytest.mark.browser

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
PHONES = {"412": (412, 915), "360": (360, 740)}

#: every table the page script marked as stackable: how it shows, its width, and its cells that take more than
#: one line for a number with its unit
_TABLES_JS = r"""() => {
  const NUMBER_UNIT = /^[-+−±~≈]?\d[\d.,]*\s?(%|[^\s\d]{1,10})?$/;
  const shown = (e) => e.offsetParent !== null;
  return [...document.querySelectorAll('.jp-OutputArea-output table.pb-stack')].filter(shown).map((t) => {
    const cells = [...t.querySelectorAll('td')].filter(shown);
    const split = cells.filter((c) => NUMBER_UNIT.test(c.textContent.trim())).filter((c) => {
      const r = document.createRange();
      r.selectNodeContents(c);
      const rects = [...r.getClientRects()].map((x) => Math.round(x.top));
      return new Set(rects).size > 1;
    }).map((c) => c.textContent.trim());
    return {display: getComputedStyle(t).display, right: t.getBoundingClientRect().right,
            labelled: cells.filter((c) => c.hasAttribute('data-label')).length,
            rowheads: [...t.querySelectorAll('tr')].every((r) => r.firstElementChild.tagName === 'TH'),
            blocks: cells.filter((c) => getComputedStyle(c).display === 'block').length, split};
  });
}"""


def _open(browser, url, size):
    context = browser.new_context(viewport={"width": size[0], "height": size[1]})
    page = context.new_page()
    page.set_default_timeout(60_000)
    open_app(page, url)
    return context, page


@pytest.mark.parametrize("phone", PHONES)
def test_designer_summary_within_two_screens(browser, shared_voila, phone):
    width, height = PHONES[phone]
    context, page = _open(browser, shared_voila(NOTEBOOKS) + "voila/render/designer.ipynb", PHONES[phone])
    try:
        summary = page.locator(".pb-summary caption")
        summary.wait_for()
        page.wait_for_timeout(500)  # the page script's sweep and Bokeh's layout
        top = page.evaluate("() => document.querySelector('.pb-summary').getBoundingClientRect().top + scrollY")
        table = page.locator(".pb-summary table").bounding_box()
        page.screenshot(path=str(artifacts_dir() / f"designer-{phone}.png"), full_page=False)
        print(f"designer at {width} px: summary starts {top:.0f} px down (two screens: {2 * height} px)")
        assert top + 100 < 2 * height, f"the summary starts {top:.0f} px down"
        assert table["x"] >= 0 and table["x"] + table["width"] <= width + 1
        # the editors are still there, under the results
        assert page.locator(".pb-editors").bounding_box()["y"] > top
        assert error_outputs(page) == []
    finally:
        context.close()


@pytest.mark.parametrize("nb", ["protocol_card.ipynb", "choose_goal.ipynb", "interfaces_impedance.ipynb"])
def test_wide_tables_stack_on_a_phone_not_on_a_laptop(browser, shared_voila, nb):
    from harness import lock_prediction

    url = shared_voila(NOTEBOOKS) + f"voila/render/{nb}"
    gate = {"choose_goal.ipynb": "tradeoff", "interfaces_impedance.ipynb": "stackdrop"}.get(nb)
    for name, size in {"1366": (1366, 768), **PHONES}.items():
        context, page = _open(browser, url, size)
        try:
            if gate:
                lock_prediction(page, gate)
            page.locator("table.pb-stack").first.wait_for(state="attached")
            page.wait_for_timeout(500)
            tables = page.evaluate(_TABLES_JS)
            height = page.evaluate("Math.max(...['html', '#rendered_cells', '.jp-LabShell'].map((c) => "
                                   "(document.querySelector(c) || {scrollHeight: 0}).scrollHeight))")
            page.screenshot(path=str(artifacts_dir() / f"{Path(nb).stem}-{name}.png"), full_page=True)
            print(f"{nb} at {name} px: {len(tables)} wide tables, page {height} px tall")
            assert tables, "no wide table measured"
            for t in tables:
                assert t["split"] == [], f"numbers split over lines at {name} px"
                if name == "1366":
                    assert t["display"] == "table" and t["blocks"] == 0  # a laptop keeps the table
                else:
                    assert t["display"] == "block" and t["blocks"] > 0
                    assert t["labelled"] > 0 or t["rowheads"], "stacked cells without their column's name"
                    assert t["right"] <= size[0] + 1, f"a stacked table wider than the {name} px screen"
            if name != "1366":
                assert page.evaluate("document.documentElement.scrollWidth") <= size[0]
            assert error_outputs(page) == []
        finally:
            context.close()
