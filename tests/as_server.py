"""Start and drive the real test authorization server (tests/as/provider.mjs) from pytest.

The server is oidc-provider 9.13.3 on Node.js, bound to 127.0.0.1 on a port picked here. It
offers test-only routes (request counters, a protected resource, headless approval of device
codes and CIBA requests); tests/as/README.md documents them and every static client.

Use the session-scoped ``auth_server`` fixture (``from as_server import auth_server`` in a
conftest), or ``start_auth_server()`` directly. This module imports only the standard library,
requests and pytest, so importing it costs nothing when no integration test runs.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import pytest
import requests

if TYPE_CHECKING:
    from collections.abc import Iterator

AS_DIR = Path(__file__).resolve().parent / "as"
KEYS_DIR = AS_DIR / "keys"
PROVIDER_SCRIPT = AS_DIR / "provider.mjs"

START_TIMEOUT = 20.0  # seconds until READY and a discovery answer
STOP_TIMEOUT = 5.0
HTTP_TIMEOUT = 10.0
MAX_REDIRECTS = 20  # an authorization flow needs about 7 hops
DEFAULT_ACCOUNT = "alice"
REDIRECT_URI = "http://127.0.0.1/callback"
"""The redirect URI that every code-flow client of the server is registered with."""

# Request parameters that only this test server understands (see tests/as/README.md).
AUTO_LOGIN_PARAM = "test_login"
AUTO_DENY_PARAM = "test_deny"


class AuthServerError(RuntimeError):
    """The test authorization server could not be started or did not behave."""


def _free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _check_prerequisites() -> str:
    """Return the path of ``node``, or fail saying exactly what to install."""
    node = shutil.which("node")
    if node is None:
        raise AuthServerError(
            "the integration tests need Node.js >= 20 on PATH (`node` not found); install it, "
            "then run `npm ci --prefix tests/as`"
        )
    if not (AS_DIR / "node_modules" / "oidc-provider").is_dir():
        raise AuthServerError(
            f"{AS_DIR / 'node_modules'} is missing: run `npm ci --prefix tests/as` "
            "(needs Node.js >= 20 and npm)"
        )
    return node


class _FormParser(HTMLParser):
    """Collect the forms of an HTML page: action, method and input name/value pairs."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, Any]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        if tag == "form":
            self.forms.append(
                {
                    "action": attributes.get("action", ""),
                    "method": attributes.get("method", "get").lower(),
                    "fields": {},
                }
            )
        elif tag == "input" and self.forms and "name" in attributes:
            self.forms[-1]["fields"][attributes["name"]] = attributes.get("value", "")


def _forms(html: str) -> list[dict[str, Any]]:
    parser = _FormParser()
    parser.feed(html)
    return parser.forms


def _add_query(url: str, extra: dict[str, str]) -> str:
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    query.extend(extra.items())
    return urlunsplit(parts._replace(query=urlencode(query)))


class AuthServer:
    """A running test authorization server and helpers for the test-only routes."""

    def __init__(self, process: subprocess.Popen[bytes], issuer: str, log_path: Path) -> None:
        """Wrap a started provider process; use ``start_auth_server()`` instead."""
        self.process = process
        self.issuer = issuer
        self.log_path = log_path
        self.http = requests.Session()
        self.discovery: dict[str, Any] = self._get_json("/.well-known/openid-configuration")
        aliases: dict[str, str] = self.discovery.get("mtls_endpoint_aliases", {})
        #: ``https://127.0.0.1:<port>`` of the mutual-TLS listener, or None without mTLS.
        self.mtls_origin: str | None = None
        if "token_endpoint" in aliases:
            parts = urlsplit(aliases["token_endpoint"])
            self.mtls_origin = f"{parts.scheme}://{parts.netloc}"

    # --- basics -----------------------------------------------------------------------------

    def url(self, path: str) -> str:
        """Return the absolute URL of ``path`` (e.g. ``/token``) on the plain HTTP listener."""
        return f"{self.issuer}/{path.lstrip('/')}"

    def mtls_url(self, path: str) -> str:
        """Return the absolute URL of ``path`` on the mutual-TLS (HTTPS) listener."""
        if self.mtls_origin is None:
            raise AuthServerError("this server runs without its mTLS listener")
        return f"{self.mtls_origin}/{path.lstrip('/')}"

    @property
    def token_endpoint(self) -> str:
        """The token endpoint URL from the discovery document."""
        endpoint: str = self.discovery["token_endpoint"]
        return endpoint

    def _get_json(self, path: str) -> Any:
        response = self.http.get(self.url(path), timeout=HTTP_TIMEOUT)
        response.raise_for_status()
        return response.json()

    def _post_json(self, path: str, data: dict[str, str] | None = None) -> Any:
        response = self.http.post(self.url(path), data=data or {}, timeout=HTTP_TIMEOUT)
        if response.status_code >= 400:
            raise AuthServerError(f"POST {path} -> {response.status_code}: {response.text}")
        return response.json()

    def log_tail(self, lines: int = 40) -> str:
        """Return the last ``lines`` lines of the server's combined stdout/stderr log."""
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    # --- keys and certificates -----------------------------------------------------------------

    @staticmethod
    def client_jwk(name: str) -> dict[str, Any]:
        """Return the private JWK of a client key, e.g. ``pkjwt-es256`` or ``enc-client``."""
        key: dict[str, Any] = json.loads((KEYS_DIR / "clients" / f"{name}.json").read_text())
        return key

    @staticmethod
    def tls_file(name: str) -> str:
        """Return the path of a TLS fixture: ``ca.pem``, ``mtls-client.pem``/``.key``..."""
        return str(KEYS_DIR / "tls" / name)

    # --- test-only routes ------------------------------------------------------------------------

    def token_counters(self) -> dict[str, int]:
        """Return the POSTs to the token endpoint per client id since the last reset."""
        counters: dict[str, int] = self._get_json("/test/counters")["token"]
        return counters

    def token_requests(self, client_id: str | None = None) -> int:
        """Return the POSTs to the token endpoint by ``client_id``, or by all clients if None."""
        counters = self.token_counters()
        if client_id is None:
            return sum(counters.values())
        return counters.get(client_id, 0)

    def reset_counters(self) -> None:
        """Set every token-request counter back to zero."""
        self._post_json("/test/counters/reset")

    def approve_device(
        self, user_code: str, account_id: str = DEFAULT_ACCOUNT, *, deny: bool = False
    ) -> dict[str, Any]:
        """Approve (or deny) a device-flow user code as ``account_id``, as its user would."""
        data = {"user_code": user_code, "account_id": account_id}
        if deny:
            data["deny"] = "1"
        result: dict[str, Any] = self._post_json("/test/device/approve", data)
        return result

    def approve_ciba(self, auth_req_id: str, *, deny: bool = False) -> dict[str, Any]:
        """Complete (or deny) a CIBA request as the user named by its ``login_hint``."""
        data = {"auth_req_id": auth_req_id}
        if deny:
            data["deny"] = "1"
        result: dict[str, Any] = self._post_json("/test/ciba/approve", data)
        return result

    def ciba_requests(self) -> list[str]:
        """Return the auth_req_ids of every CIBA request triggered so far, oldest first."""
        ids: list[str] = self._get_json("/test/ciba")["auth_req_ids"]
        return ids

    def backchannel_logout_tokens(self) -> list[str]:
        """Return the logout tokens the server sent to ``logout-client`` so far."""
        tokens: list[str] = self._get_json("/test/backchannel-logout")["logout_tokens"]
        return tokens

    # --- headless authorization -----------------------------------------------------------------

    def authorize(
        self,
        authorization_url: str,
        login: str = DEFAULT_ACCOUNT,
        *,
        use_forms: bool = False,
        deny: bool = False,
        session: requests.Session | None = None,
    ) -> str:
        """Log in, consent, and return the final redirect URL (to the client's redirect URI).

        By default the ``test_login`` parameter is added to ``authorization_url`` and the server
        finishes login and consent by itself. With a pushed (PAR) or signed (JAR) request the
        server reads parameters from the request object only, so either put ``test_login`` in
        there or pass ``use_forms=True``, which fills in devInteractions' login and consent
        forms like a browser. ``deny=True`` makes the user refuse (``error=access_denied``).
        Pass a ``session`` to keep the end-user's cookies (SSO, logout) between calls.

        The response is read from the ``Location`` header, so nothing needs to listen at the
        redirect URI. A ``form_post`` response comes back as the redirect URI with the posted
        fields as its query string.
        """
        browser = session or requests.Session()
        url = authorization_url
        if not use_forms:
            extra = {AUTO_LOGIN_PARAM: login}
            if deny:
                extra[AUTO_DENY_PARAM] = "1"
            url = _add_query(url, extra)
        for _ in range(MAX_REDIRECTS):
            response = browser.get(url, allow_redirects=False, timeout=HTTP_TIMEOUT)
            next_url = self._next_step(browser, response, login, deny=deny)
            if not next_url.startswith(self.issuer + "/"):
                return next_url
            url = next_url
        raise AuthServerError(f"authorization did not finish in {MAX_REDIRECTS} steps")

    def _next_step(
        self, browser: requests.Session, response: requests.Response, login: str, *, deny: bool
    ) -> str:
        """Return where a browser goes after ``response``, submitting a form if it is one."""
        for _ in range(MAX_REDIRECTS):
            if response.is_redirect:
                return urljoin(response.url, response.headers["Location"])
            if response.status_code != 200:
                raise AuthServerError(
                    f"authorization stopped at {response.url} with {response.status_code}: "
                    f"{response.text[:500]}"
                )
            forms = _forms(response.text)
            if not forms:
                raise AuthServerError(f"no form to submit at {response.url}: {response.text[:500]}")
            form = forms[0]
            action = urljoin(response.url, form["action"])
            fields: dict[str, str] = dict(form["fields"])
            if not action.startswith(self.issuer + "/"):
                # form_post response mode: the auto-submitting form targets the client.
                return _add_query(action, fields)
            if fields.get("prompt") == "login":
                fields.update({"login": login, "password": "any"})
            elif fields.get("prompt") == "consent" and deny:
                abort = urljoin(response.url, urlsplit(response.url).path + "/abort")
                response = browser.get(abort, allow_redirects=False, timeout=HTTP_TIMEOUT)
                continue
            response = browser.post(
                action, data=fields, allow_redirects=False, timeout=HTTP_TIMEOUT
            )
        raise AuthServerError("too many forms in a row")

    def logout(self, end_session_url: str, session: requests.Session) -> str:
        """Confirm RP-initiated logout at ``end_session_url``; return the final redirect URL.

        ``session`` must be the end-user's session used for ``authorize(..., session=...)``.
        Without a ``post_logout_redirect_uri`` the result is the server's own success page URL.
        """
        response = session.get(end_session_url, allow_redirects=False, timeout=HTTP_TIMEOUT)
        for _ in range(MAX_REDIRECTS):
            if response.is_redirect:
                location = urljoin(response.url, response.headers["Location"])
                if not location.startswith(self.issuer + "/"):
                    return location
                response = session.get(location, allow_redirects=False, timeout=HTTP_TIMEOUT)
                continue
            forms = _forms(response.text) if response.status_code == 200 else []
            if not forms:
                return response.url
            fields: dict[str, str] = {**forms[0]["fields"], "logout": "yes"}
            response = session.post(
                urljoin(response.url, forms[0]["action"]),
                data=fields,
                allow_redirects=False,
                timeout=HTTP_TIMEOUT,
            )
        raise AuthServerError(f"logout did not finish in {MAX_REDIRECTS} steps")

    # --- lifecycle -----------------------------------------------------------------------------

    def stop(self) -> None:
        """Stop the server process (terminate, wait, then kill) and close the HTTP session."""
        self.http.close()
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=STOP_TIMEOUT)


def _wait_ready(process: subprocess.Popen[bytes], log_path: Path, deadline: float) -> str:
    """Return the issuer from the ``READY <issuer>`` line, or raise with the log tail."""
    while time.monotonic() < deadline:
        for line in log_path.read_text(errors="replace").splitlines():
            if line.startswith("READY "):
                return line.split(" ", 1)[1].strip()
        if process.poll() is not None:
            break
        time.sleep(0.05)
    tail = "\n".join(log_path.read_text(errors="replace").splitlines()[-40:])
    status = "exited with " + str(process.returncode) if process.poll() is not None else "timed out"
    raise AuthServerError(f"test authorization server {status} before READY; log:\n{tail}")


def _wait_discovery(issuer: str, deadline: float) -> None:
    url = f"{issuer}/.well-known/openid-configuration"
    last_error = "no attempt"
    while time.monotonic() < deadline:
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.RequestException as exc:
            last_error = repr(exc)
        time.sleep(0.05)
    raise AuthServerError(f"discovery document at {url} never answered: {last_error}")


def start_auth_server(*, mtls: bool = True, log_dir: Path | None = None) -> AuthServer:
    """Start ``node tests/as/provider.mjs`` on free loopback ports and wait until it answers.

    Args:
        mtls: also start the mutual-TLS HTTPS listener (``mtls_endpoint_aliases``).
        log_dir: where to write ``auth-server.log``; a new temporary directory by default.

    Raises:
        AuthServerError: Node.js or ``tests/as/node_modules`` is missing, or the server did not
            come up within 20 seconds (the message carries the tail of its log).
    """
    node = _check_prerequisites()
    directory = log_dir or Path(tempfile.mkdtemp(prefix="oauth2kit-as-"))
    log_path = directory / "auth-server.log"
    command = [node, str(PROVIDER_SCRIPT), "--port", str(_free_port())]
    command += ["--mtls-port", str(_free_port())] if mtls else ["--no-mtls"]
    # Output goes to a file, never a pipe, so a chatty server can never block on a full pipe.
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command,
            cwd=AS_DIR,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "NODE_ENV": "test"},
        )
    deadline = time.monotonic() + START_TIMEOUT
    try:
        issuer = _wait_ready(process, log_path, deadline)
        _wait_discovery(issuer, deadline)
        return AuthServer(process, issuer, log_path)
    except BaseException:
        with contextlib.suppress(OSError):
            process.kill()
        process.wait(timeout=STOP_TIMEOUT)
        raise


@pytest.fixture(scope="session")
def auth_server() -> Iterator[AuthServer]:
    """One test authorization server for the whole test session."""
    server = start_auth_server()
    try:
        yield server
    finally:
        server.stop()
