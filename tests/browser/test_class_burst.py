"""A whole class opens the designer at the same moment (class config, preheated pool of 2).

12 pages in the session's Chromium (one context each, like 12 students) start their navigation
together; every page must become usable (the designer with its summary table, no error output)
within 90 s, and none may stay blank.  The time each page took is printed (run with -s).
"""
import os
import statistics
import time

import pytest
from harness import ROOT, error_outputs, snap, watch

pytestmark = pytest.mark.browser

NB = ROOT / "notebooks" / "designer.ipynb"
PAGES = 12
LIMIT_S = 90

# A page is usable when Voila has rendered everything (as harness.open_app waits for) and the designer's
# summary table is on screen.
USABLE_JS = """() => {
  if (document.getElementById('loading')) return false;
  if (document.querySelectorAll('script[type="application/vnd.voila.cell-output+json"]').length) return false;
  if ([...document.querySelectorAll('.jp-OutputArea-output.lm-Panel')].some(e => e.childElementCount === 0))
    return false;
  const t = document.querySelector('.pb-summary');
  return !!t && t.getClientRects().length > 0 && t.innerText.trim().length > 0;
}"""


def open_together(browser, url, n):
    """n pages, each in its own context; their navigations start together (no wait for the answers)."""
    contexts, pages = [], []
    for _ in range(n):
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        watch(page)
        contexts.append(context)
        pages.append(page)
    start = time.monotonic()
    for page in pages:  # location.href returns at once: all requests are in flight within a few ms
        page.evaluate("(u) => { window.location.href = u; }", url)
    return contexts, pages, start


def wait_all_usable(pages, start, limit):
    """Poll every page until it is usable; return each page's time (s) or None when it never was."""
    done = [None] * len(pages)
    while time.monotonic() - start < limit and None in done:
        for i, page in enumerate(pages):
            if done[i] is None:
                try:
                    if page.evaluate(USABLE_JS):
                        done[i] = time.monotonic() - start
                except Exception:  # the page is between documents: try again
                    pass
        time.sleep(0.25)
    return done


@pytest.mark.xfail(strict=False, reason=(
    "met only when the machine is otherwise quiet: 2026-11-29, 12 of 12 pages usable within 49 s and 66 s "
    "in two runs, but 3 of 12 within 90 s while other jobs loaded the 2 cores (load average 17 at the end); "
    "no page ended blank (benchmarks/results/burst.md). Most of the CPU is the 12 pages' own (Chromium)"))
def test_twelve_pages_opened_at_once_are_all_usable(voila, browser):
    url = voila(NB, config="class", wait_for="Kernel pool of designer.ipynb is filled")
    contexts, pages, start = open_together(browser, url + "?preset=three-step", PAGES)
    try:
        times = wait_all_usable(pages, start, LIMIT_S)
        load = os.getloadavg()
        usable = [t for t in times if t is not None]
        print(f"\n{PAGES} pages at once: {len(usable)} usable; times (s): "
              + ", ".join("never" if t is None else f"{t:.1f}" for t in times)
              + (f"; median {statistics.median(usable):.1f} s, max {max(usable):.1f} s" if usable else "")
              + f"; load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
        for i, t in enumerate(times):
            if t is None:
                snap(pages[i], f"page-{i}-not-usable")
        assert None not in times, f"pages never usable within {LIMIT_S} s: {times}"
        for page in pages:
            assert error_outputs(page) == []
            assert page.locator(".pb-summary td").count() > 0
    finally:
        for context in contexts:
            context.close()
