"""The class server's per-visitor kernel limit against a real Voila server, plain HTTP (issue 14, Found-1:
"four GETs gave every later visitor 503").

The class config with ``max_kernels_per_visitor=2``; a tiny notebook (not preheated) so kernels start fast.
"""
from __future__ import annotations

import asyncio
import http.client
import json
import re
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

pytest.importorskip("voila")

NOTEBOOK = {"cells": [{"cell_type": "code", "execution_count": None, "id": "a1", "metadata": {}, "outputs": [],
                       "source": "print('tiny app')"}],
            "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}},
            "nbformat": 4, "nbformat_minor": 5}
APP = "/voila/render/tiny.ipynb"


class Client:
    """One visitor: its own source address; keeps cookies like a browser when ``cookies`` is true."""

    def __init__(self, port: int, source: str = "127.0.0.1", cookies: bool = False):
        self.port, self.source, self.cookies, self.jar = port, source, cookies, {}

    def get(self, path: str = APP):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120, source_address=(self.source, 0))
        try:
            headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.jar.items())} if self.jar else {}
            conn.request("GET", path, headers=headers)
            resp = conn.getresponse()
            body = resp.read().decode("utf-8", "replace")
            if self.cookies:
                for header in resp.headers.get_all("Set-Cookie") or []:
                    name, _, rest = header.partition("=")
                    self.jar[name.strip()] = rest.split(";", 1)[0]
            return resp.status, body
        finally:
            conn.close()


@pytest.fixture
def server(voila, tmp_path):
    root = tmp_path / "apps"
    root.mkdir()
    (root / "tiny.ipynb").write_text(json.dumps(NOTEBOOK))
    url = voila(root, config="class", args=["--LimitedKernelManager.max_kernels_per_visitor=2",
                                            "--LimitedKernelManager.max_kernels=20"])
    return int(url.rstrip("/").rsplit(":", 1)[1])


def _kernel_id(body: str) -> str:
    return re.search(r'"kernelId":\s*"([0-9a-f-]{36})"', body).group(1)


def test_one_clients_many_gets_do_not_lock_out_other_visitors(server):
    script = Client(server)  # a plain script: no cookies, one address
    statuses = [script.get()[0] for _ in range(4)]
    assert statuses == [200, 200, 307, 307]  # over the address's limit: sent back with a cookie, no kernel

    other = Client(server, source="127.0.0.2")  # another student, another address
    assert [other.get()[0] for _ in range(2)] == [200, 200]
    assert other.get()[0] == 307  # the limit is theirs too

    # a browser behind the same address as the script (one school network): the redirect gives it a cookie
    # of its own; coming back with it, it is a visitor of its own, with its own limit
    browser = Client(server, cookies=True)
    status, _body = browser.get()
    assert status == 307 and "pressbook-visitor" in browser.jar
    assert [browser.get()[0] for _ in range(2)] == [200, 200]
    status, body = browser.get()
    assert status == 429 and "Too many pages open" in body and "2 pages" in body
    assert "Traceback" not in body and "kernel" not in body.lower()
    assert script.get()[0] == 307  # the script, keeping no cookie, is still limited


def test_a_page_the_visitor_left_frees_its_place(server):
    from tornado.httpclient import HTTPRequest
    from tornado.websocket import websocket_connect

    browser = Client(server, cookies=True)
    browser.get()  # first visit: the cookie
    status, first = browser.get()
    assert status == 200
    assert browser.get()[0] == 200  # two pages open: the limit

    async def open_and_leave(kernel_id: str):  # the page connects to its kernel, then the tab is closed
        cookie = "; ".join(f"{k}={v}" for k, v in browser.jar.items())
        ws = await websocket_connect(HTTPRequest(
            f"ws://127.0.0.1:{server}/api/kernels/{kernel_id}/channels?session_id=s1",
            headers={"Cookie": cookie, "Origin": f"http://127.0.0.1:{server}"}))
        await asyncio.sleep(0.5)
        ws.close()
        await asyncio.sleep(1.0)

    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, open_and_leave(_kernel_id(first))).result()
    t = time.monotonic()
    status, _ = browser.get()
    assert status == 200, "the kernel of the page the visitor left was not reused"
    assert time.monotonic() - t < 60
    assert browser.get()[0] == 429  # still two at once


POOLED = dict(NOTEBOOK, cells=[{"cell_type": "code", "execution_count": None, "id": "p1", "metadata": {},
                                "outputs": [], "source": "from voila.utils import get_query_string\n"
                                                         "print('query', get_query_string())"}])


def _pool(port: int) -> dict:
    status, body = Client(port).get("/voila/pressbook/pool")
    assert status == 200, body[:500]
    return json.loads(body)


def test_the_pool_status_says_filled_only_when_every_preheated_kernel_waits_for_a_visitor(voila, tmp_path):
    root = tmp_path / "apps"
    root.mkdir()
    (root / "designer.ipynb").write_text(json.dumps(POOLED))  # the class config preheats designer.ipynb only
    url = voila(root, config="class", args=["--VoilaConfiguration.default_pool_size=3"])
    port = int(url.rstrip("/").rsplit(":", 1)[1])
    first = _pool(port)
    assert first["size"] == 3 and set(first) == {"ready", "size", "filled"}
    seen, deadline = [first], time.monotonic() + 120
    while not seen[-1]["filled"] and time.monotonic() < deadline:
        time.sleep(0.3)
        seen.append(_pool(port))
    assert seen[-1] == {"ready": 3, "size": 3, "filled": True}, seen[-5:]
    assert [s["ready"] for s in seen] == sorted(s["ready"] for s in seen)  # never goes back while filling
    status, body = Client(port).get("/voila/render/designer.ipynb?x=1")  # a student takes a prepared place
    assert status == 200 and "query x=1" in body
    after = _pool(port)
    assert after["ready"] < 3 and not after["filled"]  # the place is being prepared again
