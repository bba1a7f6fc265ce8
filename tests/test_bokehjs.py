"""BokehJS once (issue 25, pressbook.apps.bokehjs): on pressbook's Voila servers the page loads BokehJS as one static
file, first in its head and cached for a year; the kernels publish no copy of it; elsewhere (JupyterLab, nbclient)
load_bokehjs still publishes it inline. The browser side (every figure drawn under a class burst, no "Could not
create a view") is tests/browser/test_class_burst.py."""
from __future__ import annotations

import gzip
import re
from pathlib import Path

import pytest
import requests
from harness import ROOT

from pressbook.apps import bokehjs, common
from pressbook.apps.figure_widget import SYNC_FILTER_JS
from pressbook.apps.transfer import IMMUTABLE

DESIGNER = ROOT / "notebooks" / "designer.ipynb"
BOKEH_MIN_JS = Path(bokehjs.bokehjs_dir()) / bokehjs.FILE
RETRY = '--VoilaConfiguration.resources={"pressbook_retry_seconds": 7}'


def _a_piece_of_bokehjs() -> str:
    """200 characters of bokeh.min.js that an inlined copy holds unchanged (none that a loader escapes: quotes,
    backslashes, '<', '/')."""
    code = BOKEH_MIN_JS.read_text()
    return re.search(r"[^\"'\\</\n]{200}", code[len(code) // 2:]).group(0)


def _get(url: str, **headers) -> requests.Response:
    r = requests.get(url, headers={"Accept-Encoding": "gzip", **headers}, stream=True, timeout=120)
    r.raw_body = r.raw.read(decode_content=False)
    return r


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """(base URL, the designer page's HTML) of one `make app` server, whose command line sets the template's
    resources itself (as tests/browser/test_unfinished_pages.py does): the BokehJS address must survive that."""
    from serving_fixtures import VoilaServer

    tmp = tmp_path_factory.mktemp("bokehjs")
    voila = VoilaServer(DESIGNER, "app", [RETRY], tmp / "voila.log")
    try:
        assert voila.wait_ready(90), voila.log_text()
        page = _get(voila.url + "?preset=three-step")
        assert page.status_code == 200, page.raw_body[:2000]
        yield voila.url, gzip.decompress(page.raw_body).decode()
    finally:
        voila.stop()


def _bokehjs_src(html: str) -> str:
    found = re.findall(r'<script src="([^"]*/voila/pressbook/bokehjs/bokeh\.min\.js\?v=[0-9a-f]+)"></script>', html)
    assert len(found) == 1, "the page does not load BokehJS as one static file"
    return found[0]


def test_the_page_loads_bokehjs_first_and_carries_no_copy(server):
    base, html = server
    src = _bokehjs_src(html)
    head = html[: html.index("</head>")]
    first_script = re.search(r"<script\b[^>]*>", head).group(0)
    assert src in first_script and "async" not in first_script and "defer" not in first_script
    assert "7.0 * 1000" in html  # the command line's own resources are kept (the Retry banner's wait)
    # no inlined BokehJS: the designer page was 1.39 MB with it; now its widgets' state and pressbook's scripts
    assert len(html.encode()) < 300_000, len(html.encode())
    assert _a_piece_of_bokehjs() not in html


def test_bokehjs_is_the_installed_file_gzipped_and_cached_for_a_year(server):
    base, html = server
    r = _get(requests.compat.urljoin(base, _bokehjs_src(html)))
    assert r.status_code == 200
    assert gzip.decompress(r.raw_body) == BOKEH_MIN_JS.read_bytes()
    assert r.headers.get("Content-Encoding") == "gzip" and len(r.raw_body) < BOKEH_MIN_JS.stat().st_size / 3
    assert r.headers.get("Cache-Control") == IMMUTABLE


def test_another_version_is_revalidated_and_nothing_else_is_served(server):
    base, _ = server
    route = base + bokehjs.ROUTE
    stale = _get(route + "bokeh.min.js?v=0123abcd")  # an address from before an upgrade of Bokeh
    assert stale.status_code == 200 and stale.headers.get("Cache-Control") == "no-cache"
    assert _get(route + "bokeh.min.js").headers.get("Cache-Control") == "no-cache"
    for other in ("bokeh-gl.min.js", "../js/bokeh.min.js", "compiler/compiler.js"):
        assert _get(route + other).status_code in (403, 404), other  # 403: the server's guard of unknown paths


def _published(monkeypatch, in_page: bool) -> list[dict]:
    import IPython.display

    published = []
    if in_page:
        monkeypatch.setenv(bokehjs.ENV, "1")
    else:
        monkeypatch.delenv(bokehjs.ENV, raising=False)
    monkeypatch.setattr(common, "_BOKEHJS_LOADED", False)
    monkeypatch.setattr(common, "_PAGE_SUPPORT", True)  # the page styles and script: test_figure_widget
    monkeypatch.setattr(IPython.display, "publish_display_data", lambda data, **kw: published.append(data))
    common.load_bokehjs()
    common.load_bokehjs()  # once per kernel
    return published


def test_a_kernel_of_our_server_publishes_no_bokehjs(monkeypatch):
    published = _published(monkeypatch, in_page=True)
    assert len(published) == 1 and list(published[0]) == ["application/javascript"]
    js = published[0]["application/javascript"]
    assert js.endswith(SYNC_FILTER_JS) and len(js) < 10_000
    assert "console.error" in js  # a page without BokehJS (another template) says so in the console


def test_elsewhere_the_kernel_still_publishes_bokehjs_inline(monkeypatch):
    """JupyterLab, the classic notebook and nbclient run no pressbook server: BokehJS goes into the output."""
    js = _published(monkeypatch, in_page=False)[0]["application/javascript"]
    assert len(js) > 1_000_000 and _a_piece_of_bokehjs() in js
