"""Inputs that try to break the value objects and the request pipeline, refused where they enter.

Flows run against the real test authorization server (``auth_server``), or a socket server
of this file's own where the behaviour needed is a hostile one; ``responses`` stubs only
bodies a real server does not send, and each such test says so.
"""

from __future__ import annotations

import enum
import logging
import pickle
import subprocess
import sys
import traceback
from collections.abc import Callable
from typing import Any

import pytest
import requests
import responses
from as_server import AuthServer
from requests.cookies import RequestsCookieJar

from oauth2kit import (
    MAX_ATTEMPTS,
    BearerToken,
    EndpointCall,
    EndpointResponse,
    Form,
    Headers,
    InvalidClient,
    InvalidParam,
    InvalidTokenResponse,
    OAuth2Client,
    OAuth2KitError,
    PluginHost,
    TransportError,
    hookimpl,
)
from oauth2kit._values import Transport

TOKEN_ENDPOINT = "https://as.example/token"
CC_CLIENT, CC_SECRET = "cc-post", "cc-post-secret"
HUGE = 10**5000  # more digits than int.__repr__ will write (sys.get_int_max_str_digits)


def cc_client(server: AuthServer, **kwargs: Any) -> OAuth2Client:
    """A client_credentials client of the test server (client_secret_post)."""
    kwargs.setdefault("client_secret", CC_SECRET)
    return OAuth2Client(server.token_endpoint, client_id=CC_CLIENT, **kwargs)


def offline_client(**kwargs: Any) -> OAuth2Client:
    """A client for checks that end before anything is sent."""
    return OAuth2Client(TOKEN_ENDPOINT, client_id="c", client_secret="s", **kwargs)


# --- transport options, checked when built --------------------------------------------------


@pytest.mark.parametrize("timeout", [1e10, float(sys.maxsize), (1, 1e10)])
def test_a_timeout_longer_than_a_socket_or_lock_can_wait_is_refused_when_built(
    timeout: object,
) -> None:
    """A finite timeout past ~9.2e9 s (socket.settimeout's and threading's limit) is refused."""
    with pytest.raises(InvalidParam, match="timeout"):
        offline_client(timeout=timeout)


_WATCHDOG_SCRIPT = r"""
import socket, threading, time
from oauth2kit import OAuth2Client, OAuth2KitError

TOKEN = b'{"access_token": "tok", "token_type": "Bearer", "expires_in": 60}'
HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n"


def read_request(conn):
    data = b""
    while b"\r\n\r\n" not in data:
        data += conn.recv(65536)
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.lower().split(b"\r\n"):
        if line.startswith(b"content-length:"):
            length = int(line.split(b":")[1])
    while len(body) < length:
        body += conn.recv(65536)


def serve(answer):
    listener = socket.create_server(("127.0.0.1", 0))

    def loop():
        while True:
            conn, _ = listener.accept()
            with conn:
                try:
                    read_request(conn)
                    answer(conn)
                except OSError:
                    pass

    threading.Thread(target=loop, daemon=True).start()
    return "http://127.0.0.1:%d/token" % listener.getsockname()[1]


def slow(conn):  # answers well, after half a second: the watchdog is waiting by then
    time.sleep(0.5)
    conn.sendall(HEAD % len(TOKEN) + TOKEN)


def drip(conn):  # the status line and headers a byte at a time: about 5 s in all
    for byte in HEAD % len(TOKEN):
        conn.sendall(bytes([byte]))
        time.sleep(0.06)
    conn.sendall(TOKEN)


def client(url, timeout):
    return OAuth2Client(url, client_id="c", client_secret="s", timeout=timeout)


try:  # under 2**63 ns, which socket.settimeout takes; with the watchdog's 0.1 s grace, over
    client(serve(slow), 9223372036.8).client_credentials()
except OAuth2KitError:
    pass  # refusing the timeout is fine too
started = time.monotonic()
try:
    client(serve(drip), 1).client_credentials()
except OAuth2KitError:
    pass
print(round(time.monotonic() - started, 2))
"""


def test_a_huge_timeout_does_not_switch_the_headers_deadline_off_for_the_whole_process() -> None:
    """After a call with a huge timeout, a later 1 s call still ends at its deadline."""
    # A subprocess: the watchdog thread is process-wide. A socket server of the script's
    # own: only a hostile server drips its headers.
    done = subprocess.run(
        [sys.executable, "-c", _WATCHDOG_SCRIPT],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert "oauth2kit-deadlines" not in done.stderr  # the thread died with a traceback
    assert float(done.stdout.split()[-1]) < 3  # the dripped headers alone take about 5 s


@pytest.mark.parametrize(
    "action",
    [
        lambda: offline_client(timeout=HUGE),
        lambda: offline_client(timeout=(1, HUGE)),
        lambda: offline_client(max_response_bytes=-HUGE),
        lambda: offline_client().request_endpoint("token_endpoint", method=HUGE),  # type: ignore[arg-type]
        lambda: BearerToken("at", scope=HUGE),  # type: ignore[arg-type]
    ],
    ids=["timeout", "timeout-pair", "max_response_bytes", "method", "scope"],
)
def test_a_refused_huge_int_is_an_oauth2kit_error_not_the_valueerror_of_its_repr(
    action: Callable[[], object],
) -> None:
    """Refusing a 5000-digit int raises InvalidParam, not int.__repr__'s digit-limit error."""
    with pytest.raises(InvalidParam):
        action()


def test_an_unhashable_method_is_an_invalid_param() -> None:
    """An unhashable HTTP method is refused with InvalidParam, not the TypeError of `in`."""
    with pytest.raises(InvalidParam, match="method must be one of"):
        offline_client().request_endpoint("token_endpoint", method=["POST"])  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "build",
    [
        lambda: Headers({"X-Label": "caf\u20ac"}),  # http.client encodes values as latin-1
        lambda: Headers({"X-Api-Key": " leading-space"}),  # requests' InvalidHeader
        lambda: Transport(cookies={"sid": "caf\u20ac"}),  # the Cookie header, latin-1 too
    ],
    ids=["non-latin-1-header", "leading-space-header", "non-latin-1-cookie"],
)
def test_header_and_cookie_values_that_cannot_be_sent_are_refused_when_set(
    build: Callable[[], object],
) -> None:
    """A header or cookie value that the transport cannot send is refused where it enters."""
    with pytest.raises(InvalidParam):
        build()


def test_a_form_field_name_utf8_cannot_encode_is_refused_when_set() -> None:
    """A lone surrogate in a form field's name is refused, as one in its value is."""
    with pytest.raises(InvalidParam, match="form field"):
        Form({"audience\ud800": "x"})


@pytest.mark.parametrize("value", [float("inf"), float("-inf"), [1, float("inf")]])
def test_an_infinite_form_number_is_refused_like_nan(value: object) -> None:
    """Infinity is not a number a form can carry; it is refused like NaN and 10**400."""
    with pytest.raises(InvalidParam, match="form field 'max_age'"):
        Form({"max_age": value})


def test_nan_and_overflowing_form_numbers_are_refused() -> None:
    """What the inf test compares with: NaN and a 400-digit int are refused already."""
    for value in (float("nan"), 10**400):
        with pytest.raises(InvalidParam, match="form field 'max_age'"):
            Form({"max_age": value})


def test_a_list_form_value_changed_after_the_check_is_not_what_the_form_holds() -> None:
    """The form keeps what it checked: appending to the caller's list later changes nothing."""
    resources = ["urn:rs:a"]
    form = Form({"resource": resources})
    resources.append(b"urn:rs:b")  # type: ignore[arg-type] # bytes: refused when checked
    assert ["urn:rs:a"] == list(form["resource"])


@pytest.mark.parametrize("cert", ["", ("", "")])
def test_an_empty_client_certificate_path_is_refused_like_an_empty_ca_bundle(cert: object) -> None:
    """``cert=""`` would send no client certificate, unsaid, as ``verify=""`` would not verify."""
    with pytest.raises(InvalidParam, match="cert"):
        Transport(cert=cert)  # type: ignore[arg-type]


@pytest.mark.parametrize("kwargs", [{"headers": []}, {"headers": 0}, {"params": False}])
def test_headers_or_params_that_are_not_mappings_are_refused_even_when_falsy(
    kwargs: dict[str, object],
) -> None:
    """``headers=[]`` is refused as ``headers="x"`` is, not taken for no headers."""
    with pytest.raises(InvalidParam, match="headers and params must be mappings"):
        Transport().with_kwargs(kwargs)


# --- tokens -------------------------------------------------------------------------------


@pytest.mark.parametrize("member", ["refresh_token", "id_token"])
@pytest.mark.parametrize("value", [0, False, [], {}])
def test_a_falsy_refresh_or_id_token_of_the_wrong_type_is_refused(
    member: str, value: object
) -> None:
    """``refresh_token: false`` is refused as ``refresh_token: 42`` is, not read as none."""
    with pytest.raises(InvalidParam, match=member):
        BearerToken.from_response({"access_token": "at", member: value})


def _set_member(token: BearerToken) -> None:
    token.issued_token_type = "urn:other"  # a response member, typed Any by __getattr__


def _delete_field(token: BearerToken) -> None:
    del token.refresh_token


def _change_kwargs(token: BearerToken) -> None:
    token.kwargs["issued_token_type"] = "urn:other"  # type: ignore[index] # read-only: tried


@pytest.mark.parametrize("change", [_set_member, _delete_field, _change_kwargs])
def test_a_token_cannot_be_changed_after_it_is_built(change: Callable[[BearerToken], None]) -> None:
    """Setting a response member, deleting a field or editing kwargs all fail; nothing changes."""
    token = BearerToken("at", refresh_token="rt", issued_token_type="urn:a")
    with pytest.raises((AttributeError, TypeError)):
        change(token)
    assert ("rt", "urn:a", "urn:a") == (
        token.refresh_token,
        token.issued_token_type,
        token["issued_token_type"],
    )


@responses.activate
@pytest.mark.parametrize(
    "body",
    [
        b"[" * 100_000 + b"]" * 100_000,  # nested past the recursion limit
        b'{"access_token": "at", "expires_in": ' + b"9" * 5000 + b"}",  # past the digit limit
        b'["access_token", "at"]',
    ],
    ids=["deep", "huge-number", "array"],
)
def test_a_token_body_json_cannot_decode_into_an_object_is_an_invalid_token_response(
    body: bytes,
) -> None:
    """Deep, huge-number, array bodies: InvalidTokenResponse (stubbed: no real AS sends them)."""
    responses.post(TOKEN_ENDPOINT, body=body, content_type="application/json")
    with pytest.raises(InvalidTokenResponse, match="not a JSON object"):
        offline_client().client_credentials()


# --- against the real authorization server ---------------------------------------------------


@pytest.mark.integration
def test_a_query_parameter_name_utf8_cannot_encode_is_an_invalid_param(
    auth_server: AuthServer,
) -> None:
    """A lone surrogate in a ``params`` name is refused with InvalidParam, not UnicodeEncodeError."""
    with pytest.raises(InvalidParam):
        cc_client(auth_server).client_credentials(
            scope="api:read", requests_kwargs={"params": {"tenant\ud800": "1"}}
        )


class Scope(str, enum.Enum):  # noqa: UP042 - a str mix-in, not StrEnum, is the point
    """A scope enum of the kind applications define: str() is ``Scope.READ``, not its value."""

    READ = "api:read"


@pytest.mark.integration
def test_a_str_enum_form_value_is_sent_as_its_value(auth_server: AuthServer) -> None:
    """A (str, Enum) scope goes out as ``api:read``, as requests would send it, not Scope.READ."""
    token = cc_client(auth_server).client_credentials(scope=Scope.READ)
    assert "api:read" == token.scope


@pytest.mark.integration
def test_a_str_enum_form_value_is_sent_as_its_value_by_a_session_subclass(
    auth_server: AuthServer,
) -> None:
    """Through a Session subclass (requests encodes the form) the enum goes out as its value."""

    class Session(requests.Session):
        pass

    token = cc_client(auth_server, session=Session()).client_credentials(scope=Scope.READ)
    assert "api:read" == token.scope


@pytest.mark.integration
def test_a_cookie_the_transport_cannot_encode_is_a_transport_error_not_a_plugin_crash(
    auth_server: AuthServer,
) -> None:
    """A CookieJar cookie http.client cannot encode ends in TransportError (or InvalidParam)."""
    jar = RequestsCookieJar()
    jar.set("sid", "caf\u20ac")
    with pytest.raises(OAuth2KitError) as caught:
        cc_client(auth_server).client_credentials(requests_kwargs={"cookies": jar})
    assert isinstance(caught.value, TransportError | InvalidParam), repr(caught.value)


@pytest.mark.integration
def test_a_pickled_error_leaves_the_cookies_it_sent_behind(auth_server: AuthServer) -> None:
    """The Cookie header is dropped from a pickled error, and so must its request's cookie jar."""
    client = cc_client(auth_server, client_secret="not-the-secret")
    cookies = {"sid": "cookie-value-7f3a"}
    with pytest.raises(InvalidClient) as caught:
        client.client_credentials(scope="api:read", requests_kwargs={"cookies": cookies})
    assert "Cookie" in caught.value.request.headers  # it was sent
    pickled = pickle.dumps(caught.value)
    assert b"cookie-value-7f3a" not in pickled
    assert b"not-the-secret" not in pickled  # what the pickle already leaves out


@pytest.mark.integration
def test_a_malformed_proxy_url_keeps_its_password_out_of_the_exception_chain(
    auth_server: AuthServer,
) -> None:
    """A proxy URL with a bad port is refused, and its password shows nowhere in the chain."""
    client = OAuth2Client(auth_server.mtls_url("/token"), client_id=CC_CLIENT, client_secret="s")
    proxy = {"https": "http://user:proxy-password@127.0.0.1:99999"}
    with pytest.raises(OAuth2KitError) as caught:
        client.client_credentials(requests_kwargs={"proxies": proxy})
    assert "proxy-password" not in "".join(traceback.format_exception(caught.value))


@pytest.mark.integration
def test_a_header_with_leading_whitespace_is_refused_and_its_value_not_chained(
    auth_server: AuthServer,
) -> None:
    """A header requests refuses is an InvalidParam that does not quote the header's value."""
    headers = {"X-Api-Key": " api-key-9c1e"}
    with pytest.raises(OAuth2KitError) as caught:
        cc_client(auth_server).client_credentials(requests_kwargs={"headers": headers})
    assert "api-key-9c1e" not in "".join(traceback.format_exception(caught.value))
    assert isinstance(caught.value, InvalidParam), repr(caught.value)


class AttemptResetter:
    """A prepare hook that sets ``call.attempt`` back to 1; a retry hook that always retries."""

    def __init__(self) -> None:
        self.sent = 0

    @hookimpl
    def oauth2kit_prepare_request(self, call: EndpointCall) -> None:
        call.attempt = 1

    @hookimpl
    def oauth2kit_fixup_response(self, call: EndpointCall, response: EndpointResponse) -> None:
        self.sent += 1

    @hookimpl
    def oauth2kit_retry_request(
        self, call: EndpointCall, response: EndpointResponse
    ) -> float | None:
        return 0 if self.sent < 2 * MAX_ATTEMPTS else None  # a stop, for the test's sake


@pytest.mark.integration
def test_no_pair_of_hooks_can_send_a_call_more_than_max_attempts_times(
    auth_server: AuthServer,
) -> None:
    """A hook resetting ``call.attempt`` cannot lift the kernel's cap of MAX_ATTEMPTS sends."""
    plugin = AttemptResetter()
    host = PluginHost()
    assert "loaded" == host.register(plugin, name="test.attempts").status
    cc_client(auth_server, plugins=host).client_credentials(scope="api:read")
    assert plugin.sent <= MAX_ATTEMPTS


@pytest.mark.integration
def test_a_token_request_logs_no_secret_cookie_or_token_at_debug(
    auth_server: AuthServer, caplog: pytest.LogCaptureFixture
) -> None:
    """At DEBUG, no logger (oauth2kit, urllib3, ...) records the secret, a cookie or the token."""
    client = OAuth2Client(
        auth_server.token_endpoint, client_id="cc-basic", client_secret="cc-basic-secret",
        token_endpoint_auth_method="client_secret_basic",
    )  # fmt: skip
    with caplog.at_level(logging.DEBUG):
        token = client.client_credentials(
            scope="api:read", requests_kwargs={"cookies": {"sid": "cookie-value-51d0"}}
        )
    assert "POST" in caplog.text  # something was logged
    for secret in ("cc-basic-secret", "cookie-value-51d0", token.access_token):
        assert secret not in caplog.text
