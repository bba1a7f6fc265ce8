"""Labels and buttons are never cut short (issue 26 item 7: "highest separator c...", "tf: metric tonne-force
(9.80"): in every app, at 1366 px and on a 360 px phone, after the predictions that reveal more of the page
are locked in, no visible label, button or menu shows less text than it holds.

A label or button is cut short when its text is wider than its box (scrollWidth > clientWidth) and the box
clips it (overflow other than visible, or an ellipsis); a menu when the width of its chosen option's text,
measured in the menu's font, is wider than the menu's room for text (its width without padding and arrow).

No word or number is broken inside either ("Compac tion", "la y er", "hi g h", "626. / 4" on a phone): a visible
text's word of letters and digits (at most 30 characters: long links and code may break) lies on one line."""
from pathlib import Path

import pytest
from harness import error_outputs, lock_prediction, open_app

pytestmark = pytest.mark.browser

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
APPS = sorted(p.stem for p in NOTEBOOKS.glob("*.ipynb"))
SIZES = {"1366": (1366, 768), "360": (360, 740)}
#: the predict-observe-explain parts whose observation a prediction reveals
GATES = {"why_multistep": ["voids", "substrate", "bonding", "anode", "failures"], "choose_goal": ["tradeoff"],
         "compaction_explorer": ["springback", "band"], "interfaces_impedance": ["stackdrop"]}
ARROW_PX = 20  # a menu's drop-down arrow

CUT_JS = r"""(arrow) => {
  const shown = (e) => e.offsetParent !== null && e.getBoundingClientRect().width > 0;
  const root = document.getElementById('rendered_cells') || document.body;
  const out = [];
  const sel = 'label, button, .widget-label, .widget-label-basic, .widget-label-basic span, .widget-toggle-button, '
            + '.widget-readout, .widget-button, th';
  for (const e of root.querySelectorAll(sel)) {
    if (!shown(e) || e.closest('.pb-sr-only') || !e.textContent.trim()) continue;
    const s = getComputedStyle(e);
    const clips = s.overflowX !== 'visible' || s.textOverflow === 'ellipsis';
    if (clips && e.scrollWidth > e.clientWidth + 1) out.push(e.textContent.trim().slice(0, 70));
  }
  const ctx = document.createElement('canvas').getContext('2d');
  for (const m of root.querySelectorAll('select')) {
    if (!shown(m) || m.selectedIndex < 0 || m.multiple) continue;
    const s = getComputedStyle(m);
    ctx.font = `${s.fontStyle} ${s.fontWeight} ${s.fontSize} ${s.fontFamily}`;
    const text = m.options[m.selectedIndex].text;
    const room = m.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight) - arrow;
    if (ctx.measureText(text).width > room + 1) out.push('menu: ' + text.slice(0, 70));
  }
  return out;
}"""


#: words of letters and digits (and a number's point, unit signs) whose characters lie on more than one line
BROKEN_WORDS_JS = r"""() => {
  const out = [];
  const root = document.getElementById('rendered_cells') || document.body;
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  const word = /^[A-Za-z0-9µ°Ω·²³.%]{2,30}$/;
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const p = n.parentElement;
    if (!p || p.offsetParent === null || p.closest('.pb-sr-only, script, style, option')) continue;
    for (const m of n.textContent.matchAll(/\S+/g)) {
      const core = m[0].replace(/^[("“'\[]+|[)"”',;:!?\]]+$/g, '');
      if (!word.test(core)) continue;
      const r = document.createRange();
      r.setStart(n, m.index);
      r.setEnd(n, m.index + m[0].length);
      const tops = new Set([...r.getClientRects()].filter((x) => x.width > 0).map((x) => Math.round(x.top)));
      if (tops.size > 1) out.push(m[0]);
    }
  }
  return out;
}"""


@pytest.fixture(scope="module")
def apps_url(shared_voila):
    return shared_voila(NOTEBOOKS) + "voila/render/"


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("app", APPS)
def test_no_label_cut_short(browser, apps_url, app, size):
    width, height = SIZES[size]
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        open_app(page, apps_url + f"{app}.ipynb")
        for key in GATES.get(app, []):
            lock_prediction(page, key)
        page.wait_for_timeout(500)  # the page script's sweep
        cut = page.evaluate(CUT_JS, ARROW_PX)
        assert cut == [], f"cut short at {width} px"
        assert page.evaluate(BROKEN_WORDS_JS) == [], f"words broken inside at {width} px"
        assert error_outputs(page) == []
    finally:
        context.close()
