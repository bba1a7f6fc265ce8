"""A whole class opens the designer at the same moment (class config).

12 pages in the session's Chromium (one context each, like 12 students) start their navigation together,
on a server prepared for the class (``make serve-class STUDENTS=12``: a pool of 12 preheated designer
kernels, filled before the pages open) and on one whose pool is smaller than the class (the shipped 2: ten
pages wait for a kernel to run the notebook).

Strict in both: no page stays blank, and every usable page draws every figure with BokehJS loaded as a static
file (pressbook.apps.bokehjs), without a "Could not create a view" error. Within 150 s every page is usable (the designer with its summary
table, no error output) or shows the Retry banner. On the prepared server also the issue's target: every
page usable within 90 s, and no page falls back to asking its kernel for each widget's state separately
(ipywidgets' fallback after 4 s, which made every page slower and once left one stuck; the server now
waits 60 s, pressbook.apps.widget_state_wait). Measured on this machine, 2026-11-29: the last page after
33-62 s in five runs, 47.5 s with two busy-looping processes beside it (README, Serving). Each page notes
its own times (benchmarks/class_burst.WATCH_JS). The times are printed (run with -s).
"""
import os
import statistics
import sys
import time

import pytest
from harness import ROOT, error_outputs, record_of, snap, wait_figures_drawn

sys.path.insert(0, str(ROOT / "benchmarks"))
from class_burst import count_state_requests, seen, watch  # noqa: E402  (one rule for "usable", one counter)

pytestmark = [pytest.mark.browser, pytest.mark.serial]  # make test runs it alone (its 90 s target)

NB = ROOT / "notebooks" / "designer.ipynb"
PAGES = 12
LIMIT_S = 90          # the target: every page usable
NOT_BLANK_S = 150     # every page usable or showing the Retry banner (the banner comes after 120 s)

def open_together(browser, url, n):
    """n pages, each in its own context; their navigations start together (no wait for the answers).

    The pages' JavaScript errors are recorded, but not their websocket frames (``harness.watch`` hands every
    frame of every page to this process to look for kernel errors: work on the same 2 cores that is not the
    app's; not measured apart). ``error_outputs`` still checks each page for error outputs and JavaScript
    errors. ``asked_each[i]``: how many widgets page i asked its kernel for one by one (ipywidgets' fallback
    when its single request for all states is answered late; pressbook.apps.widget_state_wait)."""
    contexts, pages, asked_each = [], [], [0] * n
    for i in range(n):
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        record = record_of(page)
        page.on("pageerror", lambda err, record=record: record.page_errors.append(str(err)))
        page.on("console", lambda msg, record=record: record.console.append(f"{msg.type}: {msg.text}"))
        watch(page)
        count_state_requests(page, asked_each, i)
        contexts.append(context)
        pages.append(page)
    start = time.time()
    for page in pages:  # location.href returns at once: all requests are in flight within a few ms
        page.evaluate("(u) => { window.location.href = u; }", url)
    return contexts, pages, start, asked_each


def wait_all_usable(pages, start, limit):
    """Poll every page until it is usable or shows the Retry banner; return each page's time (s) to usable
    as the page noted it (None when it never was) and whether it showed the banner."""
    done, banner = [None] * len(pages), [False] * len(pages)
    while time.time() - start < limit and any(d is None and not b for d, b in zip(done, banner)):
        for i, page in enumerate(pages):
            if done[i] is None and not banner[i]:
                state = seen(page, start)
                done[i], banner[i] = state["usable"], state["retry"] and state["usable"] is None
        time.sleep(0.25)
    return done, banner


def burst(voila, browser, pool: int, limit: float):
    """Open PAGES pages at once on a class server with ``pool`` preheated kernels; poll them for ``limit`` s.
    Returns (times, banners, measured text, pages, contexts, widgets each page asked for one by one)."""
    url = voila(NB, config="class", args=[f"--VoilaConfiguration.default_pool_size={pool}"],
                timeout=120 + 15 * pool, wait_for="Kernel pool of designer.ipynb is filled")
    contexts, pages, start, asked_each = open_together(browser, url + "?preset=three-step", PAGES)
    times, banners = wait_all_usable(pages, start, limit)
    load = os.getloadavg()
    usable = [t for t in times if t is not None]
    measured = (f"{PAGES} pages at once, a pool of {pool}: {len(usable)} usable, {sum(banners)} with the Retry banner; "
                "times (s): "
                + ", ".join("banner" if b else "never" if t is None else f"{t:.1f}" for t, b in zip(times, banners))
                + (f"; median {statistics.median(usable):.1f} s, max {max(usable):.1f} s" if usable else "")
                + f"; pages asking for each widget's state: {sum(1 for n in asked_each if n)}"
                + f"; load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    print("\n" + measured)
    for i, t in enumerate(times):
        if t is None:
            snap(pages[i], f"pool-{pool}-page-{i}-not-usable")
    return times, banners, measured, pages, contexts, asked_each


def check_none_blank(times, banners, measured, pages):
    """Every page usable (with its summary, no error) or showing the Retry banner."""
    blank = [i for i, (t, b) in enumerate(zip(times, banners)) if t is None and not b]
    assert blank == [], f"pages blank after {NOT_BLANK_S} s (neither usable nor the Retry banner): {measured}"
    for page, t in zip(pages, times):
        if t is not None:
            assert error_outputs(page) == []
            assert page.locator(".pb-summary td").count() > 0


def check_every_figure_drawn(times, pages):
    """On every usable page: BokehJS loaded by the page itself (a static file, pressbook.apps.bokehjs; not in the
    page's HTML), its documents hold models, every plot is drawn, and no view failed ("Could not create a view
    for model id": the race TOOLCHAIN.md noted when BokehJS was added to the page asynchronously)."""
    for i, (page, t) in enumerate(zip(pages, times)):
        if t is None:
            continue
        found = wait_figures_drawn(page)
        assert found["documents"] >= 1 and all(n > 0 for n in found["models"]), f"page {i}: {found}"
        assert found["drawn"] == found["plots"] > 0, f"page {i}: not every figure drawn: {found}"
        assert page.evaluate("() => [...document.scripts].some(s => /bokehjs\\/bokeh\\.min\\.js\\?v=/.test(s.src))"), \
            f"page {i}: BokehJS was not loaded as a static file"
        failed_views = [line for line in record_of(page).console if "Could not create a view" in line]
        assert failed_views == [], f"page {i}: {failed_views}"


def test_a_class_opening_at_once_on_a_server_prepared_for_it(voila, browser):
    """The pool as large as the class: no page blank, none asking for each widget, all usable within 90 s, every
    figure of every page drawn."""
    times, banners, measured, pages, contexts, asked_each = burst(voila, browser, PAGES, NOT_BLANK_S)
    try:
        check_none_blank(times, banners, measured, pages)
        assert asked_each == [0] * PAGES, f"pages fell back to asking for each widget's state: {measured}"
        assert None not in times and max(times) <= LIMIT_S, f"not every page usable within {LIMIT_S} s: {measured}"
        check_every_figure_drawn(times, pages)
    finally:
        for context in contexts:
            context.close()


def test_a_class_larger_than_the_pool_gets_no_blank_page(voila, browser):
    """The shipped pool of 2 for 12 pages: every page usable or showing the Retry banner within 150 s."""
    times, banners, measured, pages, contexts, _ = burst(voila, browser, 2, NOT_BLANK_S)
    try:
        check_none_blank(times, banners, measured, pages)
        check_every_figure_drawn(times, pages)
    finally:
        for context in contexts:
            context.close()
