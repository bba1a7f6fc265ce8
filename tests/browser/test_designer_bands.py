"""The designer shows how sure it is (issue 24): headline numbers with their 90 % band, a band column in the summary,
each risk's probability, the impedance envelope and per-layer bars with 90 % whiskers, on a desktop and on a phone,
updated with the design; a materials file's [laboratory] table makes them that laboratory's bands."""
import re

import pytest
from harness import ROOT, error_outputs, open_app, watch
from playwright.sync_api import expect
from test_designer import number_input, set_number, source, wait_source

from pressbook import presets, simulate

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

        # per-layer bars with whiskers: the 5-95 % of Outcome.bands, in the summary's units (porosity in %)
        expected = simulate(presets.preset("three-step"), bands=True)
        por, sig = source(page, "pb-porosity_bars"), source(page, "pb-sigma_bars")
        assert por["name"] == ["cathode", "separator", "anode"] and sig["name"] == ["cathode", "separator"]
        for k, name in enumerate(sig["name"]):
            assert (sig["low"][k], sig["high"][k]) == pytest.approx(expected.band("ionic_conductivity", name), rel=1e-9)
            assert sig["low"][k] < sig["value"][k] < sig["high"][k]
        for k, name in enumerate(por["name"]):
            lo_p, hi_p = expected.band("porosity", name)
            assert (por["low"][k], por["high"][k]) == pytest.approx((100 * lo_p, 100 * hi_p), rel=1e-9, abs=1e-12)
        expect(page.locator(".pb-fig-layers canvas").first).to_be_visible()
        assert page.locator(".pb-fig-layers canvas").count() >= 2  # porosity and conductivity
        expect(page.locator(".pb-text-layers")).to_contain_text("separator")
        expect(page.locator(".pb-text-layers")).to_contain_text(f"{expected.band('ionic_conductivity', 'separator')[1]:.3g} mS/cm")

        # the headline, the summary and the bars fit the screen: nothing runs past the page's width (a wide table
        # scrolls; the two bar charts go one under the other on a phone)
        for sel in (".pb-headline", ".pb-table-scroll", ".pb-fig-layers"):
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
        # the cathode's whiskers follow: less densified at 200 MPa, its porosity and band move up
        wait_source(page, "pb-porosity_bars", f"d.low[0] > {por['high'][0]}")
        assert source(page, "pb-sigma_bars")["high"][0] < sig["high"][0]
        assert n_lo < float(page.locator('.pb-summary td[data-key="total_asr"]').inner_text()) < n_hi
        assert error_outputs(page) == []
    finally:
        page.close()
        context.close()


LAB_FILE = b"""# a lot recalibrated in the pellet log (its [laboratory] table only)
[laboratory]
name = "our lab, lot 7"
lot = "7"
shift = 0.3
sd = 0.04
n_pellets = 24
"""


def test_a_laboratorys_materials_file_makes_the_bands_this_labs(shared_voila, browser, tmp_path):
    """Issue 24 item 4: uploading a materials file with a [laboratory] table ("upload materials (TOML)") makes the
    designer's bands that laboratory's, says whose beside them, and the whiskers follow."""
    from pressbook.materials import load_user_materials

    lib = load_user_materials(LAB_FILE.decode())
    mine = simulate(presets.preset("three-step"), lib, bands=True)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(30_000)
    watch(page)
    try:
        open_app(page, shared_voila(NB) + "?preset=three-step")
        wait_source(page, "pb-sigma_bars", "d.name.length > 0")
        expect(page.locator(".pb-summary caption")).to_contain_text("90 % band for a new laboratory")
        before = band_of(page, "separator.sigma")
        with page.expect_file_chooser() as chooser:
            page.locator(".pb-upload-materials").first.click()
        chooser.value.set_files({"name": "lot7.toml", "mimeType": "application/toml", "buffer": LAB_FILE})
        caption = page.locator(".pb-summary caption")
        expect(caption).to_contain_text("90 % band for our lab, lot 7 (24 pellets)")
        expect(page.locator(".pb-notice")).to_contain_text("90 % bands now for our lab, lot 7 (24 pellets)")
        expect(page.locator(".pb-headline")).to_contain_text("our lab, lot 7")
        expect(page.locator(".pb-headline")).to_contain_text("its band sits above the predicted value")
        lo, hi = band_of(page, "separator.sigma")
        want = mine.band("ionic_conductivity", "separator")
        assert (lo, hi) != before and lo == pytest.approx(want[0], abs=0.006) and hi == pytest.approx(want[1], abs=0.006)
        wait_source(page, "pb-sigma_bars", f"Math.abs(d.high[1] - {want[1]}) < 1e-9")
        expect(page.locator(".pb-text-layers")).to_contain_text("Bands for our lab, lot 7 (24 pellets)")
        assert error_outputs(page) == []
    finally:
        page.close()
        context.close()
