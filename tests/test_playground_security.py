"""The playground server against hostile requests: hosts, origins, content types, headers,
and fuzzed bodies that must all get a 4xx answer with a message, never a 500 or a dropped
connection."""

from __future__ import annotations

import json
import re
import socket
import threading
import time
import warnings
from pathlib import Path
from urllib.parse import quote

import pytest

pytest.importorskip("starlette")
pytest.importorskip("httpx")
hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from mlplab.playground.app import create_app  # noqa: E402
from mlplab.playground.config import Config  # noqa: E402

SID = "security-test-01"
BASE = "http://127.0.0.1:8000"
OWN = "http://127.0.0.1:8000"
STATIC = Path(__file__).parents[1] / "src" / "mlplab" / "playground" / "static"


@pytest.fixture(scope="module")
def client():
    with TestClient(create_app(max_sessions=4), base_url=BASE) as c:
        c.post(f"/api/session/{SID}/config", json={})
        yield c


def raw_post(client, path, body: bytes, **headers):
    return client.post(path, content=body, headers={"content-type": "application/json", **headers})


# -- Host (DNS rebinding) ----------------------------------------------------------------------
@pytest.mark.parametrize(
    "host", ["127.0.0.1:8000", "127.0.0.1", "localhost:8000", "LOCALHOST:8000", "[::1]:8000"]
)
def test_loopback_names_are_served(client, host):
    assert client.get("/api/catalog", headers={"host": host}).status_code == 200


@pytest.mark.parametrize(
    "host", ["attacker.example", "attacker.example:8000", "127.0.0.1.attacker.example", "0.0.0.0"]
)
def test_other_host_names_are_refused(client, host):
    r = client.get("/", headers={"host": host})
    assert r.status_code == 421 and r.json()["code"] == "unknown_host"
    r = client.post(f"/api/session/{SID}/control", json={"action": "play"}, headers={"host": host})
    assert r.status_code == 421


@pytest.mark.parametrize(
    "host", ["", "a b", "[::1", "127.0.0.1:99999", "x:y", "üñí.example".encode()]
)
def test_malformed_host_headers_get_400(client, host):
    r = client.get("/", headers={"host": host})
    assert r.status_code == 400 and r.json()["code"] == "bad_host"


def test_the_listening_host_and_extra_names_are_served():
    app = create_app(allowed_hosts=["192.168.1.20", "lab.school.example"])
    with TestClient(app, base_url="http://lab.school.example:8000") as c:
        assert c.get("/").status_code == 200
        assert c.get("/", headers={"host": "192.168.1.20:8000"}).status_code == 200
        assert c.get("/", headers={"host": "attacker.example"}).status_code == 421


# -- Origin and Referer (cross-site requests) --------------------------------------------------
@pytest.mark.parametrize(
    "origin",
    [
        "http://evil.example",
        "http://127.0.0.1:9999",  # another local port: another origin
        "https://127.0.0.1:8000",
        "http://localhost:8000",  # same machine, other name: another origin
        "null",
        "garbage",
    ],
)
def test_requests_from_other_origins_are_refused(client, origin):
    r = client.post(
        f"/api/session/{SID}/control", json={"action": "play"}, headers={"origin": origin}
    )
    assert r.status_code == 403 and r.json()["code"] == "cross_origin"
    r = client.post(f"/api/session/{SID}/config", json={}, headers={"origin": origin})
    assert r.status_code == 403
    r = client.delete(f"/api/session/{SID}", headers={"origin": origin})
    assert r.status_code == 403
    # A cross-origin fetch of the API is refused too (reading needs CORS anyway).
    assert client.get("/api/catalog", headers={"origin": origin}).status_code == 403
    assert client.get(f"/api/session/{SID}/state").json()["playing"] is False


def test_a_foreign_referer_cannot_change_anything(client):
    r = client.post(
        f"/api/session/{SID}/control",
        json={"action": "step"},
        headers={"referer": "http://evil.example/page.html"},
    )
    assert r.status_code == 403
    r = client.post(
        f"/api/session/{SID}/control",
        json={"action": "pause"},
        headers={"referer": f"{OWN}/?ds=xor"},
    )
    assert r.status_code == 200


def test_own_origin_is_accepted_and_links_from_elsewhere_open_the_page(client):
    r = client.post(
        f"/api/session/{SID}/control", json={"action": "pause"}, headers={"origin": OWN}
    )
    assert r.status_code == 200
    # A notebook or the slides link to the playground: a navigation with a foreign Referer.
    r = client.get("/?ds=xor&h=4", headers={"referer": "http://localhost:8888/notebooks/x.ipynb"})
    assert r.status_code == 200 and "heatmap" in r.text


# -- Content-Type ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "ctype",
    [
        None,
        "text/plain",
        "text/plain;charset=UTF-8",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "text/csv",
        "application/jsonx",
    ],
)
@pytest.mark.parametrize("endpoint", ["config", "control", "upload", "edit"])
def test_post_bodies_must_be_json(client, ctype, endpoint):
    headers = {} if ctype is None else {"content-type": ctype}
    r = client.post(
        f"/api/session/{SID}/{endpoint}", content=b'{"action": "play"}', headers=headers
    )
    assert r.status_code == 415 and r.json()["code"] == "content_type"
    assert client.get(f"/api/session/{SID}/state").json()["playing"] is False


def test_json_with_a_charset_is_json(client):
    r = client.post(
        f"/api/session/{SID}/control",
        content=b'{"action": "pause"}',
        headers={"content-type": "Application/JSON; charset=utf-8"},
    )
    assert r.status_code == 200


# -- headers -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("method", "path", "kwargs"),
    [
        ("GET", "/", {}),
        ("GET", "/static/app.js", {}),
        ("GET", "/api/catalog", {}),
        ("GET", "/nothing", {}),
        ("GET", "/", {"headers": {"host": "attacker.example"}}),
        ("POST", f"/api/session/{SID}/config", {"content": b"{}"}),
        ("POST", f"/api/session/{SID}/config", {"json": {"seed": -1}}),
    ],
)
def test_security_headers_on_every_answer(client, method, path, kwargs):
    r = client.request(method, path, **kwargs)
    csp = r.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] in ("same-origin", "no-referrer", "strict-origin")
    assert r.headers["x-frame-options"] == "DENY"


def test_the_page_needs_nothing_the_policy_forbids():
    """No inline script, inline style or external file: the CSP lets the page work."""
    html = (STATIC / "index.html").read_text()
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)
    assert "<style" not in html and " style=" not in html and "on" + "click=" not in html
    assert not re.search(r"(src|href)=\"(https?:)?//", html)
    js = (STATIC / "app.js").read_text()
    assert "style=" not in js and "eval(" not in js and "new Function" not in js
    assert 'setAttribute("style"' not in js


# -- malformed bodies: always 4xx with a message -----------------------------------------------
def check_refused(r, status=422):
    assert r.status_code == status, r.text
    body = r.json()
    assert isinstance(body["error"], str) and body["error"] and isinstance(body["code"], str)


INTEGER_FIELDS = ["seed", "n_samples", "batch_size", "decay_epochs", "n_classes"]


@pytest.mark.parametrize("field", INTEGER_FIELDS)
@pytest.mark.parametrize(
    "literal", ["1e400", "-1e400", "NaN", "Infinity", "-Infinity", "9" * 5000, "-" + "9" * 5000]
)
def test_non_finite_and_huge_numbers_in_integer_fields(client, field, literal):
    r = raw_post(client, f"/api/session/{SID}/config", f'{{"{field}": {literal}}}'.encode())
    check_refused(r)
    assert r.json()["field"] == field
    assert len(r.json()["error"]) < 300  # the 5000 digits are not echoed back


@pytest.mark.parametrize("literal", ["1e400", "NaN", "Infinity", "9" * 5000])
def test_non_finite_numbers_in_lists_and_float_fields(client, literal):
    for body in (
        f'{{"hidden": [{literal}], "activations": ["tanh"]}}',
        f'{{"learning_rate": {literal}}}',
        f'{{"noise": {literal}}}',
    ):
        check_refused(raw_post(client, f"/api/session/{SID}/config", body.encode()))


@pytest.mark.parametrize(
    "features", [[["x1"]], [{}], [None], [1], [True], "x1", {"x1": 1}, [["x1", "x2"]]]
)
def test_features_of_the_wrong_shape(client, features):
    check_refused(client.post(f"/api/session/{SID}/config", json={"features": features}))


@pytest.mark.parametrize("opener", ["[", '{"a":', '{"hidden":'])
def test_json_nested_50000_levels(client, opener):
    closer = {"[": "]", '{"a":': "}", '{"hidden":': "}"}[opener]
    body = (opener * 50_000 + "1" + closer * 50_000).encode()
    for endpoint in ("config", "control", "upload", "edit"):
        r = raw_post(client, f"/api/session/{SID}/{endpoint}", body)
        assert r.status_code in (413, 422), r.text
        assert r.json()["code"] in ("json_too_deep", "too_large")


@pytest.mark.parametrize(
    "body",
    [b"", b"null", b"[]", b'"x"', b"1", b"{", b"\xff\xfe", b'{"a": 1, }', b"{'a': 1}", b"\x00"],
)
@pytest.mark.parametrize("endpoint", ["config", "control", "upload", "edit"])
def test_not_an_object(client, body, endpoint):
    r = raw_post(client, f"/api/session/{SID}/{endpoint}", body)
    assert 400 <= r.status_code < 500, r.text
    assert r.json()["error"]


# Any JSON value, NaN and infinities included, nested a little.
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**40), max_value=10**40)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=12),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=12,
)
CONFIG_FIELDS = list(Config().to_dict())


def answers_4xx_or_200(r) -> None:
    assert r.status_code == 200 or 400 <= r.status_code < 500, r.text
    body = json.loads(r.text, parse_constant=lambda c: pytest.fail(f"{c} in the answer"))
    if r.status_code != 200:
        assert body["error"] and body["code"]


@settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.dictionaries(st.sampled_from(CONFIG_FIELDS), json_values, min_size=1, max_size=4))
def test_fuzz_config_fields(client, data):
    r = raw_post(client, f"/api/session/{SID}/config", json.dumps(data).encode())
    answers_4xx_or_200(r)


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(body=json_values)
def test_fuzz_every_endpoint(client, body):
    raw = json.dumps(body).encode()
    for endpoint in ("config", "control", "edit", "upload"):
        answers_4xx_or_200(raw_post(client, f"/api/session/{SID}/{endpoint}", raw))
    client.post(f"/api/session/{SID}/control", json={"action": "pause"})


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    kind=st.sampled_from(["weight", "bias"]),
    layer=json_values,
    source=json_values,
    target=json_values,
    value=json_values,
)
def test_fuzz_edit(client, kind, layer, source, target, value):
    body = {"kind": kind, "layer": layer, "target": target, "value": value}
    if kind == "weight":
        body["source"] = source
    answers_4xx_or_200(raw_post(client, f"/api/session/{SID}/edit", json.dumps(body).encode()))


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    thumbs=st.text(max_size=5),
    version=st.text(max_size=12),
    hover=st.text(max_size=12),
    sid=st.text(max_size=70),
)
def test_fuzz_query_and_path(client, thumbs, version, hover, sid):
    r = client.get(
        f"/api/session/{SID}/state",
        params={"thumbs": thumbs, "data_version": version, "hover": hover},
    )
    answers_4xx_or_200(r)
    r = client.get(f"/api/session/{quote(sid, safe='')}/state")
    assert r.status_code in (200, 404, 422) or r.status_code == 405


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(text=st.text(alphabet=st.sampled_from("0123456789.,;\t -\nxe#\"'abc"), max_size=400))
def test_fuzz_csv_upload(client, text):
    answers_4xx_or_200(client.post(f"/api/session/{SID}/upload", json={"csv": text, "name": "f"}))


# -- a real server: malformed HTTP gets an answer, never a dropped connection ------------------
@pytest.fixture(scope="module")
def server_port():
    uvicorn = pytest.importorskip("uvicorn")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    srv = uvicorn.Server(
        uvicorn.Config(create_app(), host="127.0.0.1", port=port, log_level="critical")
    )
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not srv.started and time.monotonic() < deadline:
        time.sleep(0.02)
    yield port
    srv.should_exit = True
    thread.join(timeout=5)


def exchange(port: int, raw: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(raw)
        s.shutdown(socket.SHUT_WR)
        chunks = []
        while chunk := s.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def status_of(response: bytes) -> int:
    m = re.match(rb"HTTP/1\.[01] (\d{3})", response)
    assert m, response[:200]
    return int(m.group(1))


@pytest.mark.parametrize(
    "raw",
    [
        b"GET /api/session/%ZZ%ff/state HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
        b"GET /api/session/\xff\xfe\xfd-abcdefgh/state HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
        b"GET / HTTP/1.1\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: evil.example\r\n\r\n",
        b"POST /api/session/abcdefgh1/config HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Content-Type: application/json\r\nContent-Length: 99999999999999999999\r\n\r\n{}",
        b"POST /api/session/abcdefgh1/config HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Content-Type: application/json\r\nContent-Length: 2\r\n\r\n[[",
        b"POST /api/session/abcdefgh1/config HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
        b'5\r\n{"a":\r\n0\r\n\r\n',
        b"DELETE /api/session/abcdefgh1 HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Origin: http://evil.example\r\n\r\n",
        b"GARBAGE\r\n\r\n",
    ],
)
def test_malformed_http_is_answered(server_port, raw):
    status = status_of(exchange(server_port, raw))
    assert 400 <= status < 500 or status == 200  # DELETE of an unknown session is fine
    assert status != 500


def test_big_json_bodies_are_answered_over_the_wire(server_port):
    body = b"[" * 50_000 + b"]" * 50_000
    raw = (
        b"POST /api/session/abcdefgh1/config HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Content-Type: application/json\r\nContent-Length: "
        + str(len(body)).encode()
        + b"\r\n\r\n"
    )
    assert status_of(exchange(server_port, raw + body)) == 422
