"""What a page costs on the wire (issue 25, pressbook.apps.transfer), against real Voila servers with the shipped
configs: the designer page, its scripts and stylesheets come gzipped to a client that accepts gzip (and plain
to one that does not); a static file whose URL carries its version (``?v=``) is cached for a year as immutable,
one without (Voila's own chunks, the same file without ``?v=``) is not, nor a widget-manager chunk that
pressbook serves changed."""
from __future__ import annotations

import gzip
import re
from pathlib import Path
from urllib.parse import urljoin

import pytest
import requests
from harness import ROOT

from pressbook.apps.transfer import IMMUTABLE

DESIGNER = ROOT / "notebooks" / "designer.ipynb"
SMOKE = ROOT / "tests" / "browser" / "smoke.ipynb"
GZIP = {"Accept-Encoding": "gzip"}
#: the app config's settings with the caching of versioned static files switched on (off as shipped)
CACHING = '--Voila.tornado_settings={"compress_response": True, "immutable_versioned_static": True}'


def _raw(url: str, headers=GZIP) -> requests.Response:
    """The response with its body as sent (``.content`` is not decoded: ``.raw_body``)."""
    r = requests.get(url, headers=headers, stream=True, timeout=120)
    r.raw_body = r.raw.read(decode_content=False)
    return r


def _assets(page_html: str, base: str) -> list[str]:
    """The page's own scripts and stylesheets (absolute URLs)."""
    return [urljoin(base, u) for u in re.findall(r'<(?:script|link)\b[^>]*\b(?:src|href)="(/voila/[^"]+)"', page_html)]


def _chunks() -> tuple[str, str]:
    """(a widget-manager chunk served from disk, one pressbook serves changed), as ``path?v=hash`` under
    /voila/labextensions/."""
    from voila.utils import get_voila_labextensions_path

    from pressbook.apps.widget_state_wait import patched_chunks

    paths = get_voila_labextensions_path()
    patched = sorted(patched_chunks(tuple(paths)))
    assert patched, "no widget-manager chunk is patched: see tests/test_widget_state_wait.py"
    files = sorted(Path(paths[0]).glob("@jupyter-widgets/jupyterlab-manager/static/*.*.js"))
    plain = [f.relative_to(paths[0]).as_posix() for f in files if f.relative_to(paths[0]).as_posix() not in patched]
    versioned = lambda p: f"{p}?v={p.rsplit('.', 2)[1]}"  # noqa: E731 - as the page's loader asks for it
    return versioned(next(p for p in plain if "remoteEntry" not in p)), versioned(patched[0])


@pytest.fixture(scope="module")
def designer_page(tmp_path_factory):
    """(base URL, the designer page's response as sent) of one `make app` server for the module, with the
    caching of versioned static files on."""
    from serving_fixtures import VoilaServer

    tmp = tmp_path_factory.mktemp("transfer")
    server = VoilaServer(DESIGNER, "app", [CACHING], tmp / "voila.log")
    try:
        assert server.wait_ready(90), server.log_text()
        yield server.url, _raw(server.url + "?preset=three-step")
    finally:
        server.stop()


def test_the_designer_page_is_gzipped(designer_page):
    base, page = designer_page
    assert page.status_code == 200
    assert page.headers.get("Content-Encoding") == "gzip"
    html = gzip.decompress(page.raw_body)
    assert b"voila" in html and len(page.raw_body) < len(html) / 3  # BokehJS inline: compresses well
    assert "Accept-Encoding" in page.headers.get("Vary", "")


def test_scripts_and_stylesheets_are_gzipped(designer_page):
    base, page = designer_page
    assets = _assets(gzip.decompress(page.raw_body).decode(), base)
    assert any(u.endswith("/voila/static/voila.js") for u in assets) and any(".css?v=" in u for u in assets)
    for url in assets:
        r = _raw(url)
        assert r.status_code == 200, url
        assert r.headers.get("Content-Encoding") == "gzip", url
        assert len(gzip.decompress(r.raw_body)) > len(r.raw_body), url


def test_a_client_that_does_not_accept_gzip_gets_plain_text(designer_page):
    base, _ = designer_page
    r = _raw(base + "voila/static/voila.js", headers={"Accept-Encoding": "identity"})
    assert r.status_code == 200 and "Content-Encoding" not in r.headers
    assert r.raw_body.lstrip()[:1] not in (b"", b"\x1f")  # text, not a gzip stream


def test_versioned_static_files_are_cached_for_a_year(designer_page):
    base, page = designer_page
    versioned = [u for u in _assets(gzip.decompress(page.raw_body).decode(), base) if "?v=" in u]
    chunk, _ = _chunks()
    versioned.append(base + "voila/labextensions/" + chunk)
    assert len(versioned) >= 4
    for url in versioned:
        r = _raw(url)
        assert r.status_code == 200, url
        assert r.headers.get("Cache-Control") == IMMUTABLE, url


def test_unversioned_static_files_are_revalidated(designer_page):
    """No long max-age without ``?v=``: Voila's own chunks, a versioned file asked for without its version, and
    a widget-manager chunk pressbook serves changed (its ``?v=`` is the hash of the file on disk)."""
    base, page = designer_page
    _, patched = _chunks()
    voila_js = base + "voila/static/voila.js"
    css = next(u for u in _assets(gzip.decompress(page.raw_body).decode(), base) if ".css?v=" in u)
    for url in (voila_js, css.split("?")[0], base + "voila/labextensions/" + patched):
        r = _raw(url)
        assert r.status_code == 200, url
        cache = r.headers.get("Cache-Control", "")
        assert "immutable" not in cache and "max-age=31536000" not in cache and "max-age=315360000" not in cache, \
            f"{url}: {cache}"


def test_the_class_config_compresses_and_does_not_cache_for_good(voila):
    """`make serve-class`'s config (a folder; no designer, so no kernels are prepared): gzip, and versioned
    files revalidated as Voila does (the immutable caching is off as shipped)."""
    base = voila(SMOKE.parent, config="class")
    r = _raw(base + "voila/static/voila.js")
    assert r.headers.get("Content-Encoding") == "gzip"
    page = _raw(base + "voila/render/smoke.ipynb")
    assert page.status_code == 200 and page.headers.get("Content-Encoding") == "gzip"
    css = next(u for u in _assets(gzip.decompress(page.raw_body).decode(), base) if ".css?v=" in u)
    assert "immutable" not in _raw(css).headers.get("Cache-Control", "")
