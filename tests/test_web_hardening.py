"""Issue #24, web hardening: one test (or more) for each weakness a hostile user found in ``realpolitik serve``.

1. tokens: strong only, in a header or a login cookie, never from a URL, never in the access log;
2. bounded work: 413 for any oversize body (chunked too), finished jobs expire, per-client rate limits (429);
3. TLS with --certfile/--keyfile, and a warning for plain http beyond loopback;
4. the API docs at /docs from shipped assets, working with the network blocked;
5. brief.md escapes scenario text (Markdown and HTML).
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import re
import shutil
import ssl
import subprocess
import sys
import time
import types
import typing
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import BaseModel
from typer.testing import CliRunner

from realpolitik.cli import app as cli_app
from realpolitik.scenario import load
from realpolitik.web import create_app, serve
from realpolitik.web.app import CSP, TOKEN_ENV
from realpolitik.web.common import Limits
from realpolitik.web.jobs import JobStore
from realpolitik.web.security import MIN_TOKEN_CHARS, RateLimiter, TokenError, check_token, new_token

from .test_web_support import free_port, running_server, wait_job

TOKEN = "dGhpcy1pcy1hLWxvbmctcmFuZG9tLXRva2VuLTE2Yg"
BEARER = {"authorization": f"Bearer {TOKEN}"}
SERVE = """
import json, sys
from pathlib import Path
from realpolitik.web import serve
from realpolitik.web.common import Limits
args = json.loads(sys.argv[1])
cert = args.pop("cert", None)
serve("127.0.0.1", args.pop("port"), None, args.pop("token") or None, data_dir=Path(args.pop("data_dir")),
      log_level=args.pop("log_level"), certfile=cert and Path(cert[0]), keyfile=cert and Path(cert[1]),
      limits=Limits(**args))
"""


@contextmanager
def served(
    data_dir: Path, token: str = TOKEN, cert: tuple[Path, Path] | None = None, **limits: Any
) -> Iterator[tuple[str, Path]]:
    """``realpolitik.web.serve`` itself in a subprocess (limits, TLS and uvicorn's own logging as the CLI runs
    them); yields its base URL and the file that holds everything it printed."""
    port = free_port()
    log = data_dir.parent / f"server-{port}.log"
    args = {"port": port, "token": token, "data_dir": str(data_dir), "log_level": "info", **limits}
    if cert:
        args["cert"] = [str(cert[0]), str(cert[1])]
    scheme = "https" if cert else "http"
    url = f"{scheme}://127.0.0.1:{port}"
    with log.open("wb") as out:
        proc = subprocess.Popen([sys.executable, "-c", SERVE, json.dumps(args)], stdout=out, stderr=out)
    try:
        deadline = time.monotonic() + 30
        while True:
            if proc.poll() is not None:
                raise RuntimeError("server exited: " + log.read_text())
            try:
                httpx.get(url + "/api/health", timeout=1.0, verify=False)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise RuntimeError("server did not start within 30 s") from None
                time.sleep(0.1)
        yield url, log
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


# --- 1. tokens ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("weak", ["s3cret", "x", "a" * 40, "abababababababababababab", "0123456789abcdefghij", ""])
def test_short_or_weak_tokens_are_refused(weak: str, tmp_path: Path) -> None:
    with pytest.raises(TokenError):
        check_token(weak)
    if weak:  # an empty token means "no token" to create_app
        with pytest.raises(ValueError, match="realpolitik serve --new-token"):
            create_app(None, weak, data_dir=tmp_path)


def test_tokens_with_header_unsafe_characters_are_refused() -> None:
    for bad in ("a-long-token-with spaces-in-it-123", "a-long-token;with-a-semicolon-12345", 'quote"quote"quote-1234'):
        with pytest.raises(TokenError, match="may hold only"):
            check_token(bad)


def test_new_token_is_at_least_16_random_bytes() -> None:
    tokens = {new_token() for _ in range(20)}
    assert len(tokens) == 20
    for t in tokens:
        assert check_token(t) == t and len(t) >= 43  # 32 bytes in base64url
    assert MIN_TOKEN_CHARS == 22  # 16 bytes in base64url


def test_cli_prints_a_new_token_and_refuses_a_short_one(monkeypatch: pytest.MonkeyPatch) -> None:
    runner = CliRunner()
    made = runner.invoke(cli_app, ["serve", "--new-token"])
    assert made.exit_code == 0
    assert check_token(made.output.strip()) == made.output.strip()
    import realpolitik.web as web

    monkeypatch.setattr(web, "serve", lambda *a, **k: pytest.fail("the server must not start"))
    short = runner.invoke(cli_app, ["serve", "--token", "s3cret"], env={TOKEN_ENV: None})
    assert short.exit_code == 2
    assert "refusing the token: the token has 6 characters; at least 22" in short.output
    public = runner.invoke(cli_app, ["serve", "--host", "0.0.0.0", "--token", "tooshort"], env={TOKEN_ENV: None})
    assert public.exit_code == 2 and "refusing the token" in public.output


def test_serve_refuses_a_short_token(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(TOKEN_ENV, raising=False)
    with pytest.raises(ValueError, match="at least 22"):
        serve(host="0.0.0.0", port=free_port(), token="s3cret", data_dir=tmp_path)
    monkeypatch.setenv(TOKEN_ENV, "short")
    with pytest.raises(ValueError, match="at least 22"):
        serve(port=free_port(), data_dir=tmp_path)


def test_token_never_from_a_url_but_from_a_header_or_the_login_cookie(tmp_path: Path) -> None:
    with running_server(tmp_path, token=TOKEN) as srv, srv.client() as c:
        assert c.get("/api/health", params={"token": TOKEN}).status_code == 401
        assert c.get("/api/health", params={"access_token": TOKEN}).status_code == 401
        first = c.get("/", params={"token": TOKEN})
        assert first.status_code == 303 and first.headers["location"] == "/login"
        assert "set-cookie" not in first.headers
        assert c.get("/api/health", headers=BEARER).status_code == 200

        form = c.get("/login")
        assert form.status_code == 200 and form.headers["content-security-policy"] == CSP
        assert 'method="post" action="/login"' in form.text and 'type="password"' in form.text
        wrong = c.post("/login", data={"token": TOKEN[:-1] + "x"})
        assert wrong.status_code == 401 and "not valid" in wrong.text and "set-cookie" not in wrong.headers
        assert c.get("/api/health").status_code == 401

        ok = c.post("/login", data={"token": TOKEN})
        assert ok.status_code == 303 and ok.headers["location"] == "/"
        cookie = ok.headers["set-cookie"].lower()
        assert cookie.startswith("realpolitik_token=") and "httponly" in cookie and "samesite=strict" in cookie
        assert "path=/" in cookie and "secure" not in cookie  # plain http here; over TLS it is Secure
        assert c.get("/api/scenarios").status_code == 200  # the cookie carries the token
        page = c.get("/")
        assert page.status_code == 200 and "token" not in c.get("/static/app.js").text

        with srv.client() as other:  # the login form is rate-limited per address (default 10 a minute)
            codes = [other.post("/login", data={"token": "wrong"}).status_code for _ in range(11)]
        assert codes[-1] == 429 and set(codes[:-1]) <= {401, 429}


def test_access_log_never_shows_a_credential(tmp_path: Path) -> None:
    with served(tmp_path / "data") as (url, log), httpx.Client(base_url=url, timeout=20) as c:
        assert c.get("/api/health", params={"token": TOKEN}).status_code == 401
        assert c.get("/api/health", params={"access_token": TOKEN, "x": "1"}).status_code == 401
        assert c.get("/api/health", params={"password": "hunter2-hunter2"}, headers=BEARER).status_code == 200
        assert c.get(f"/api/scenarios/{TOKEN}", headers=BEARER).status_code in (404, 422)
        assert c.post("/login", data={"token": TOKEN}).status_code == 303
        assert c.get("/api/health").status_code == 200  # by cookie
        time.sleep(0.5)
        text = log.read_text()
    assert '"GET /api/health?token=REDACTED HTTP/1.1" 401' in text  # the access log is on, and blanked
    assert TOKEN not in text and "hunter2" not in text
    assert text.count("REDACTED") >= 4


# --- 2. bounded work ---------------------------------------------------------------------------------------------


def multipart_chunks(n_kib: int) -> Iterator[bytes]:
    yield (
        b'--XyZ\r\nContent-Disposition: form-data; name="file"; filename="big.yaml"\r\nContent-Type: text/plain\r\n\r\n'
    )
    for _ in range(n_kib // 64):
        yield b"x" * 65536
    yield b"\r\n--XyZ--\r\n"


def test_oversize_uploads_are_413_however_they_are_sent(tmp_path: Path) -> None:
    with running_server(tmp_path) as srv, srv.client() as c:
        for path in ("/api/scenarios", "/api/scenarios/validate"):
            r = c.post(
                path, content=multipart_chunks(5 * 1024), headers={"content-type": "multipart/form-data; boundary=XyZ"}
            )
            assert r.request.headers["transfer-encoding"] == "chunked" and "content-length" not in r.request.headers
            assert r.status_code == 413 and "limit" in r.json()["error"]
        r = c.post("/api/scenarios", files={"file": ("big.yaml", b"x" * (5 * 1024 * 1024), "text/plain")})
        assert r.status_code == 413
        chunked_json = c.post(
            "/api/scenarios/afghanistan-2025/forecast",
            content=iter([b'{"stances": [], "pad": "', b"x" * (5 * 1024 * 1024), b'"}']),
            headers={"content-type": "application/json"},
        )
        assert chunked_json.status_code == 413
        assert c.get("/api/health").json()["status"] == "ok"  # and the server goes on


def write_job(folder: Path, job_id: str, status: str, ended: dt.datetime) -> None:
    (folder / job_id / "lab" / "shards").mkdir(parents=True)
    (folder / job_id / "lab" / "shards" / "part-0.parquet").write_bytes(b"x" * 100)
    stamp = ended.isoformat(timespec="seconds")
    record = {"id": job_id, "kind": "lab", "scenario": "s", "status": status, "created": stamp, "updated": stamp}
    if status in ("done", "failed", "cancelled"):
        record["finished"] = stamp
    (folder / job_id / "job.json").write_text(json.dumps(record))


def test_finished_jobs_expire_after_24_hours_and_beyond_100_oldest_first(tmp_path: Path) -> None:
    assert (Limits().keep_hours, Limits().keep_count) == (24.0, 100)
    folder = tmp_path / "jobs"
    folder.mkdir()
    now = dt.datetime.now(dt.UTC)
    old = f"{1:032x}"
    write_job(folder, old, "done", now - dt.timedelta(hours=25))  # past 24 h
    recent = [f"{i:032x}" for i in range(2, 106)]  # 104 finished within the day, one a minute apart
    for k, job_id in enumerate(recent):
        write_job(folder, job_id, ("done", "failed", "cancelled")[k % 3], now - dt.timedelta(minutes=200 - k))
    store = JobStore(folder)
    try:
        kept = {p.name for p in folder.iterdir()}
        assert old not in kept  # expired with its files
        assert kept == set(recent[4:])  # the 100 newest finished jobs; the 4 oldest went first
        assert store.get(recent[0]) is None
        # a job that ended a day ago expires at the next sweep, a running one never
        write_job(folder, f"{200:032x}", "running", now - dt.timedelta(days=3))
        assert store.prune(now + dt.timedelta(hours=24, minutes=-150.5)) == recent[4:50]
        assert (folder / f"{200:032x}").is_dir() and not (folder / recent[4]).exists()
    finally:
        store.shutdown()


def test_a_running_server_deletes_its_oldest_finished_jobs(tmp_path: Path) -> None:
    with served(tmp_path / "data", keep_count=1) as (url, _), httpx.Client(base_url=url, headers=BEARER) as c:
        first = c.post("/api/jobs", json={"scenario": "afghanistan-2025", "draws": 20}).json()["id"]
        assert wait_job(c, first)["status"] == "done"
        second = c.post("/api/jobs", json={"scenario": "afghanistan-2025", "draws": 20}).json()["id"]
        assert wait_job(c, second)["status"] == "done"
        # the store prunes right after a job is marked done: allow it a bounded moment
        deadline = time.monotonic() + 10
        while c.get(f"/api/jobs/{first}").status_code != 404 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert c.get(f"/api/jobs/{first}").status_code == 404
        assert not (tmp_path / "data" / "jobs" / first).exists()
        assert c.get(f"/api/jobs/{second}/results").status_code == 200


def test_rate_limiter_window() -> None:
    rl = RateLimiter({"jobs": (2, 60.0)})
    assert rl.wait("jobs", "a", now=0) == 0
    rl.record("jobs", "a", now=0)
    rl.record("jobs", "a", now=10)
    assert rl.wait("jobs", "a", now=30) == pytest.approx(30)  # until the first leaves the window
    assert rl.wait("jobs", "b", now=30) == 0  # per client
    assert rl.wait("jobs", "a", now=60.5) == 0


def test_jobs_are_rate_limited_per_token_with_429_and_retry_after(tmp_path: Path) -> None:
    assert (Limits().jobs_per_minute, Limits().jobs_at_once) == (10, 2)
    body = {"scenario": "afghanistan-2025", "draws": 20000}
    with (
        served(tmp_path / "data", jobs_per_minute=3, jobs_at_once=2) as (url, _),
        httpx.Client(base_url=url, headers=BEARER, timeout=20) as c,
    ):
        first_counted = time.monotonic()  # the window of 3 jobs a minute opens with job a
        a, b = (c.post("/api/jobs", json=body) for _ in range(2))
        assert a.status_code == b.status_code == 202
        third = c.post("/api/jobs", json=body)
        assert third.status_code == 429 and "queued or running" in third.json()["error"]
        assert int(third.headers["retry-after"]) >= 1
        for r in (a, b):
            c.post(f"/api/jobs/{r.json()['id']}/cancel")
            wait_job(c, r.json()["id"])
        started = c.post("/api/jobs", json={**body, "draws": 20})
        assert started.status_code == 202  # the third job this minute
        wait_job(c, started.json()["id"])
        fourth = c.post("/api/jobs", json={**body, "draws": 20})
        assert fourth.status_code == 429 and "3 jobs a minute" in fourth.json()["error"]
        # retry when job a leaves the one-minute window: 60 s after it, less the time gone since
        expected = 60 - (time.monotonic() - first_counted)
        assert abs(int(fourth.headers["retry-after"]) - expected) <= 2
        invalid = c.post("/api/jobs", json={"scenario": "afghanistan-2025", "draws": 0})
        assert invalid.status_code == 422  # a request refused anyway is not held back


def test_forecasts_and_figures_are_rate_limited(tmp_path: Path) -> None:
    assert Limits().compute_per_minute == 120
    with served(tmp_path / "data", compute_per_minute=2) as (url, _), httpx.Client(base_url=url, headers=BEARER) as c:
        assert c.post("/api/scenarios/afghanistan-2025/forecast", json={"models": ["compromise"]}).status_code == 200
        assert c.get("/api/scenarios/afghanistan-2025/figures/actor_map").status_code == 200
        over = c.post("/api/scenarios/afghanistan-2025/forecast", json={"models": ["compromise"]})
        assert over.status_code == 429 and int(over.headers["retry-after"]) >= 1
        assert c.get("/api/scenarios").status_code == 200  # cheap requests are not counted


# --- 3. TLS ------------------------------------------------------------------------------------------------------


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and localhost, made with ``cryptography`` or the openssl CLI."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    try:
        make_with_cryptography(cert, key)
    except ImportError:
        if shutil.which("openssl") is None:
            pytest.skip("needs the cryptography package or the openssl command")
        subprocess.run(
            [
                *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1"),
                *("-keyout", str(key), "-out", str(cert), "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"),
            ],
            check=True,
            capture_output=True,
        )
    return cert, key


def make_with_cryptography(cert_path: Path, key_path: Path) -> None:
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )


def test_tls_with_certfile_and_keyfile(tmp_path: Path) -> None:
    cert, key = self_signed(tmp_path)
    trust = ssl.create_default_context(cafile=str(cert))
    with served(tmp_path / "data", cert=(cert, key)) as (url, _):
        assert url.startswith("https://")
        with httpx.Client(base_url=url, verify=trust, timeout=20) as c:
            assert c.get("/api/health", headers=BEARER).json()["status"] == "ok"
            login = c.post("/login", data={"token": TOKEN})
            assert login.status_code == 303 and "secure" in login.headers["set-cookie"].lower()
            assert c.get("/api/scenarios").status_code == 200
        with pytest.raises(httpx.TransportError):  # plain http is not answered on the TLS port
            httpx.get(url.replace("https://", "http://") + "/api/health", timeout=5)


def test_plain_http_beyond_loopback_warns_and_tls_options_are_checked(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import uvicorn

    configs: list[dict[str, object]] = []

    def no_server(app: Any, **config: object) -> None:
        configs.append(config)
        app.state.jobs.shutdown()

    monkeypatch.setattr(uvicorn, "run", no_server)
    monkeypatch.delenv(TOKEN_ENV, raising=False)
    serve(host="0.0.0.0", port=8123, token=TOKEN, data_dir=tmp_path / "a")
    err = capsys.readouterr().err
    assert "warning: serving http://0.0.0.0:8123/ beyond this machine without TLS" in err
    assert "clear text" in err and "reuse the token" in err and "--certfile and --keyfile" in err
    serve(port=8124, data_dir=tmp_path / "b")  # loopback: no warning
    assert "warning" not in capsys.readouterr().err
    cert, key = self_signed(tmp_path)
    serve(host="0.0.0.0", port=8125, token=TOKEN, data_dir=tmp_path / "c", certfile=cert, keyfile=key)
    assert "warning" not in capsys.readouterr().err
    assert configs[-1]["ssl_certfile"] == str(cert) and configs[-1]["ssl_keyfile"] == str(key)
    with pytest.raises(ValueError, match="both --certfile and --keyfile"):
        serve(port=8126, data_dir=tmp_path / "d", certfile=cert)
    with pytest.raises(ValueError, match="cannot serve TLS"):
        serve(port=8127, data_dir=tmp_path / "e", certfile=key, keyfile=cert)
    assert len(configs) == 3


# --- 4. offline API docs ------------------------------------------------------------------------------------------


def test_docs_page_is_served_from_the_package_under_the_csp(tmp_path: Path) -> None:
    with running_server(tmp_path) as srv, srv.client() as c:
        docs = c.get("/docs")
        assert docs.status_code == 200 and docs.headers["content-security-policy"] == CSP
        assert "cdn" not in docs.text and "https://" not in docs.text and "<script>" not in docs.text
        for asset in (
            "/static/swagger-ui/swagger-ui-bundle.js",
            "/static/swagger-ui/swagger-ui.css",
            "/static/docs.js",
        ):
            assert asset in docs.text and c.get(asset).status_code == 200
        assert c.get("/redoc").status_code == 404  # no second, CDN-loaded docs page
    shipped = Path(create_app.__code__.co_filename).with_name("static") / "swagger-ui"
    assert {"LICENSE", "NOTICE", "swagger-ui-bundle.js", "swagger-ui.css"} <= {p.name for p in shipped.iterdir()}


@pytest.fixture
def browser() -> Iterator[Any]:
    from .test_web_browser import chromium_browser

    yield from chromium_browser()


def test_docs_list_the_operations_with_the_network_blocked(browser: Any, tmp_path: Path) -> None:
    with running_server(tmp_path) as srv:
        n_operations = sum(len(ops) for ops in httpx.get(srv.url + "/openapi.json").json()["paths"].values())
        context = browser.new_context()
        elsewhere: list[str] = []

        def only_this_server(route: Any) -> None:
            if route.request.url.startswith(srv.url + "/"):
                route.continue_()
            else:
                elsewhere.append(route.request.url)
                route.abort("internetdisconnected")

        context.route("**/*", only_this_server)
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(srv.url + "/docs")
        page.wait_for_selector(".opblock", timeout=20_000)
        paths = page.locator(".opblock-summary-path").all_text_contents()
        assert page.locator(".opblock").count() == n_operations
        assert "/api/jobs" in paths and "/api/scenarios/{sid}/forecast" in paths
        assert elsewhere == [] and errors == []  # nothing fetched elsewhere, no CSP violation
        context.close()


# --- 5. escaping in brief.md ---------------------------------------------------------------------------------------

NOT_FREE_TEXT = {"target", "origin", "horizon", "id"}
"""String fields of the scenario format that are references or patterned values, not free text."""


def text_fields() -> set[str]:
    """Every free-text field name of the scenario format (str or str | None without a pattern)."""
    import realpolitik.scenario.model as model

    names = set()
    for cls in vars(model).values():
        if isinstance(cls, type) and issubclass(cls, BaseModel):
            for name, field in cls.model_fields.items():
                kinds = (
                    set(typing.get_args(field.annotation))
                    if isinstance(field.annotation, types.UnionType)
                    else {field.annotation}
                )
                patterned = any(getattr(m, "pattern", None) for m in field.metadata)
                if str in kinds and kinds <= {str, type(None)} and not patterned and name not in NOT_FREE_TEXT:
                    names.add(name)
    return names


def hostile(value: Any, fields: set[str], counter: Iterator[int], key: str = "") -> Any:
    if isinstance(value, dict):
        return {k: hostile(v, fields, counter, k) for k, v in value.items()}
    if isinstance(value, list):
        return [hostile(v, fields, counter, key) for v in value]
    if (isinstance(value, str) or value is None) and key in fields:
        n = next(counter)
        if n % 3 == 2:  # a whole value that would be a link definition at the start of a line
            return f"[d{n}]: http://evil.example/def{n}"
        return (
            f"{value or ''} <script>alert({n})</script> [click {n}](http://evil.example/{n}) [d2] "
            f"![img](http://evil.example/{n}.png) <http://evil.example/auto> <img src=x onerror=alert({n})> "
            f"*em* | `code` _u_ \n<b>newline {n}</b>"
        )
    return value


def test_brief_markdown_escapes_html_and_links_in_every_text_field(tmp_path: Path) -> None:
    from markdown_it import MarkdownIt

    from realpolitik.brief.render import render_markdown
    from realpolitik.scenario import LoadedScenario
    from realpolitik.scenario.model import Scenario
    from realpolitik.workflows.brief_data import BriefRequest, brief_data

    fields = text_fields()
    assert {"title", "name", "description", "rationale", "label", "note", "publisher", "unit", "group"} <= fields
    base = load("afghanistan-2025")
    doc = hostile(base.scenario.model_dump(mode="json"), fields, itertools.count())
    scenario = Scenario.model_validate(doc)
    loaded = LoadedScenario(scenario=scenario, source=base.source, format=base.format, sha256=base.sha256)
    data = brief_data(BriefRequest(loaded, draws=20, seed=1, sensitivity_n=4), tmp_path / "lab")
    md = render_markdown(data)

    assert "<script" not in md and "<img" not in md and "<http" not in md and "<b>" not in md
    html = MarkdownIt("commonmark").enable("table").render(md)
    for tag in ("<script", "<img", "<a ", "href=", "<b>"):
        assert tag not in html, tag
    assert "&lt;script&gt;alert(" in html  # shown as text, not dropped
    title = next(line for line in md.splitlines() if line.startswith("# Brief: "))
    assert "\\[click " in title and "\\*em\\* \\| \\`code\\` \\_u\\_  &lt;b&gt;newline" in title
    header = next(line for line in md.splitlines() if line.startswith("| model |"))
    assert len(re.findall(r"(?<!\\)\|", header)) == len(scenario.issues) + 2  # a | in a name stays in its cell
    assert "<th>model</th>" in html
