"""Keyboard-only walkthroughs (issue 15): Tab, arrows, Enter and Space (and digits typed into a number
field) only, never the mouse; each step asserts where the focus is, by the control's accessible name (what a
screen reader announces), and that no Tab stop lands in a plot toolbar."""
from __future__ import annotations

import pytest
from harness import ROOT, error_outputs, open_app
from playwright.sync_api import expect

NB = ROOT / "notebooks"

#: the focused element: its accessible name (aria-label, else its text), its classes and whether it is a
#: Bokeh figure (focus inside a figure's shadow DOM shows as the figure's host element)
_FOCUSED_JS = """() => {
  const e = document.activeElement;
  if (!e || e === document.body) return {name: "", cls: "", figure: false};
  const name = e.getAttribute("aria-label") || (e.labels && e.labels[0] && e.labels[0].textContent)
               || e.textContent || "";
  let inner = e;  // inside a figure: the element Bokeh focused, for the failure message
  while (inner.shadowRoot && inner.shadowRoot.activeElement) inner = inner.shadowRoot.activeElement;
  return {name: name.trim(), cls: String(e.className), figure: !!(e.shadowRoot || e.closest("[class*=bk-]")),
          inner: inner === e ? "" : inner.outerHTML.slice(0, 120)};
}"""


def focused(page) -> dict:
    return page.evaluate(_FOCUSED_JS)


def tab_to(page, name: str, limit: int = 250) -> int:
    """Press Tab until the control named ``name`` has the focus; return the number of Tab presses. Fails if
    it is not reached, or if a Tab stop on the way is inside a plot."""
    for n in range(1, limit + 1):
        page.keyboard.press("Tab")
        now = focused(page)
        assert not now["figure"], f"a Tab stop inside a plot ({now}) on the way to {name!r}"
        if now["name"] == name:
            return n
    raise AssertionError(f"{name!r} not reached with {limit} Tab presses; last focus {focused(page)}")


@pytest.mark.browser
def test_designer_keyboard_only(shared_voila, page):
    open_app(page, shared_voila(NB) + "voila/render/designer.ipynb?preset=three-step")
    page.locator(".pb-fig-compaction canvas").first.wait_for()
    page.wait_for_timeout(500)  # the page script names the controls

    # change step 2's pressure: type a number, Enter applies it; the focus stays in the field
    tab_to(page, "step 2 pressure (MPa)")
    page.keyboard.press("Control+A")
    page.keyboard.type("300")
    page.keyboard.press("Enter")
    expect(page.locator(".pb-step-2 .pb-conversion")).to_contain_text("= 300 MPa")
    assert focused(page)["name"] == "step 2 pressure (MPa)"

    # add a step with Enter on "+ add step": a fourth step appears, the focus stays on the button
    tab_to(page, "+ add step")
    page.keyboard.press("Enter")
    expect(page.locator(".pb-step-4")).to_be_visible()
    assert focused(page)["name"] == "+ add step"
    # the new step's controls have their own names
    expect(page.get_by_role("spinbutton", name="step 4 pressure (MPa)")).to_have_count(1)

    # pin the design as A with Space
    tab_to(page, "pin current as A")
    page.keyboard.press("Space")
    expect(page.locator(".pb-diff")).not_to_contain_text("No design pinned")
    assert focused(page)["name"] == "pin current as A"
    assert error_outputs(page) == []


@pytest.mark.browser
def test_why_multistep_part1_keyboard_only(shared_voila, page):
    open_app(page, shared_voila(NB) + "voila/render/why_multistep.ipynb")
    page.wait_for_timeout(500)
    choices = page.locator(".pb-voids-predict-choices input[type=radio]")

    # choose: Tab into the radio group, the arrow key picks the second answer
    for _ in range(100):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.type") == "radio":
            break
    else:
        raise AssertionError("the prediction's choices are not reachable with Tab")
    page.keyboard.press("ArrowDown")
    expect(choices.nth(1)).to_be_checked()

    # lock in with Enter: the focus moves to what was revealed (the observation), not to the top of the page
    tab_to(page, "Lock in my prediction, part 1")
    page.keyboard.press("Enter")
    expect(page.locator(".pb-voids-observe")).to_be_visible()
    expect(page.locator(".pb-voids-observe .pb-focus-now")).to_be_focused()
    expect(page.locator(".pb-voids-observe .pb-focus-now")).to_contain_text("Observe")
    page.locator(".pb-voids-observe canvas").first.wait_for()  # the revealed plots are drawn
    page.wait_for_timeout(300)

    # read the feedback: Tab on to "Explain what I saw", Enter; the verdict and the explanation appear
    tab_to(page, "Explain what I saw, part 1")
    page.keyboard.press("Enter")
    expect(page.locator(".pb-voids-explanation")).to_contain_text("Your prediction")
    assert error_outputs(page) == []
