"""The designer shows how sure it is (issue 24): headline numbers with their 90 % band, a band column in the summary,
each risk's probability and the impedance envelope, on a desktop and on a phone, updated with the design."""
import re

import pytest
from harness import ROOT, error_outputs, open_app, watch
from playwright.sync_api import expect
from test_designer import number_input, set_number, source, wait_source

pytestmark = pytest.mark.browser

NB = ROOT / "notebooks" / "designer.ipynb"
SIZES = {"desktop": (1280, 900), "phone": (390, 844)}
NUM = r"([0-9]+(?:\.[0-9]+)?)"


def band_of(page, key):
    text = page.locator(f'.pb-summary td[data-band="{key}"]').inner_text()
    m = re.fullmatch(rf"\s*{NUM}\s*–\s*{NUM}\s*", text)
    assert m, text
    return float(m.group(1)), float(m.group(2))


@pytest.mark.parametrize("size", SIZES)
def test_designer_shows_bands_that_follow_the_design(shared_voila, browser, size):
    width, height = SIZES[size]
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.set_default_timeout(30_000)
    watch(page)
    try:
        open_app(page, shared_voila(NB) + "?preset=three-step")
        page.locator(".pb-fig-compaction canvas").first.wait_for()
        wait_source(page, "pb-imp_band", "d.freq.length > 0")
        headline = page.locator(".pb-headline")
        expect(headline).to_contain_text("most likely between")
        expect(headline).to_contain_text("90 % band")

        value = float(page.locator('.pb-summary td[data-key="total_asr"]').inner_text())
        lo, hi = band_of(page, "total_asr")
        assert lo < value < hi
        s_lo, s_hi = band_of(page, "separator.sigma")
        assert s_lo < float(page.locator('.pb-summary td[data-key="separator.sigma"]').inner_text()) < s_hi
        assert page.locator(".pb-prob").count() >= 1

        env, spec = source(page, "pb-imp_band"), source(page, "pb-imp")
        assert len(env["freq"]) == len(spec["freq"])
        assert all(a <= z + 1e-6 <= b + 2e-6 for a, z, b in zip(env["z_real_low"], spec["z_real"], env["z_real_high"]))

        # the headline and the summary fit the screen: nothing runs past the page's width (a wide table scrolls)
        for sel in (".pb-headline", ".pb-table-scroll"):
            assert page.evaluate("(sel) => { const e = document.querySelector(sel);"
                                 " return e.getBoundingClientRect().right <= document.documentElement.clientWidth + 1; }",
                                 sel), sel

        # a gentler cathode bonding (450 -> 200 MPa): a poorer contact, a higher total ASR, its band moves with it
        set_number(number_input(page, 2), 200)
        page.wait_for_function("(old) => { const e = document.querySelector("
                               "'.pb-summary td[data-band=\"total_asr\"]'); return e && e.innerText !== old; }",
                               arg=page.locator('.pb-summary td[data-band="total_asr"]').inner_text(), polling=100)
        n_lo, n_hi = band_of(page, "total_asr")
        assert n_lo > lo and n_hi > hi
        assert n_lo < float(page.locator('.pb-summary td[data-key="total_asr"]').inner_text()) < n_hi
        assert error_outputs(page) == []
    finally:
        page.close()
        context.close()
