"""oauth2kit demo: the main flows end to end against the local test authorization server.

Run it with ``scripts/demo``; it starts the server from tests/as/ on a free loopback port,
runs each flow, prints what happens, and stops the server. It grows as flows land.

Everything on stdout is the demo's own story: the server writes to a log file (whose tail
goes to stderr if a step fails), and warnings go to stderr. No secret is printed: tokens
show as their redacted repr, their lifetime and their scope.
"""

from __future__ import annotations

import sys
import tempfile
import threading
from pathlib import Path
from typing import TYPE_CHECKING

import requests

from oauth2kit import (
    AuthorizationPending,
    BearerToken,
    IdToken,
    InvalidGrant,
    InvalidScope,
    OAuth2Client,
    OAuth2ClientCredentialsAuth,
    PluginHost,
    default_host,
    hookimpl,
)

if TYPE_CHECKING:
    from oauth2kit import EndpointCall

# The test server's launcher lives with the tests; the demo reuses it rather than copy it.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from as_server import AuthServer, start_auth_server

THREADS = 32
REDIRECT_URI = "http://127.0.0.1/callback"  # nothing listens: the code is read from the redirect
TRACE_HEADER = "X-Demo-Trace"


def step(title: str) -> None:
    print(f"\n== {title}", flush=True)


def client_credentials(server: AuthServer) -> OAuth2Client:
    step("Client credentials with client_secret_basic")
    client = OAuth2Client(
        server.token_endpoint,
        client_id="cc-basic",
        client_secret="cc-basic-secret",
        token_endpoint_auth_method="client_secret_basic",
        issuer=server.issuer,
    )
    print(f"  client: {client!r}")
    token = client.client_credentials(scope="api:read", resource="urn:oauth2kit:rs:jwt")
    print(f"  token:  {token!r}")
    is_jwt = token.access_token.count(".") == 2
    print(f"  expires in {token.expires_in} s; the access token is a JWT: {is_jwt}")
    answer = requests.get(server.url("/test/protected"), auth=token, timeout=10)
    print(f"  protected resource says: HTTP {answer.status_code} {answer.json()}")
    return client


def errors(client: OAuth2Client) -> None:
    step("Errors become exceptions with the OAuth 2.0 error code and description")
    try:
        client.client_credentials(scope="api:admin")
    except InvalidScope as exc:
        print(f"  {type(exc).__name__}: error={exc.error!r} description={exc.description!r}")


def auth_handler(server: AuthServer, client: OAuth2Client) -> None:
    step(f"OAuth2ClientCredentialsAuth: {THREADS} threads, one token request")
    auth = OAuth2ClientCredentialsAuth(client, scope="api:read")
    server.reset_counters()
    barrier = threading.Barrier(THREADS)
    statuses: list[int] = []

    def call_api() -> None:
        barrier.wait()
        statuses.append(
            requests.get(server.url("/test/protected"), auth=auth, timeout=10).status_code
        )

    threads = [threading.Thread(target=call_api) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print(f"  {statuses.count(200)} of {THREADS} API calls succeeded")
    print(f"  token requests seen by the server: {server.token_requests('cc-basic')}")


def code_flow(server: AuthServer) -> tuple[OAuth2Client, BearerToken]:
    step("Authorization code with PKCE, the client configured by discovery")
    client = OAuth2Client.from_discovery_endpoint(
        issuer=server.issuer, auth="public-app", redirect_uri=REDIRECT_URI
    )  # the server's jwks_uri too: the ID token is validated with its keys
    print(f"  discovered: {client!r}")
    request = client.authorization_request(scope="openid api:read")
    print(f"  request: state, nonce and a {request.code_challenge_method} PKCE challenge")
    callback = server.authorize(request.uri)  # the test server's headless login and consent
    response = request.validate_callback(callback)
    print(f"  the callback's state and issuer (RFC 9207) checked: iss={response.issuer!r}")
    token = client.authorization_code(response)
    print(f"  user alice's token: {token!r}")
    id_token = token.id_token
    if not isinstance(id_token, IdToken):  # the code flow validated it: an IdToken, verified
        raise TypeError(f"the ID token was not validated: {type(id_token).__name__}")
    print(
        f"  its ID token, validated (signature, iss, aud, nonce, times): sub={id_token.subject!r},"
        f" {id_token.alg} signed by key {id_token.kid!r}"
    )
    return client, token


def refresh(server: AuthServer, client: OAuth2Client, token: BearerToken) -> None:
    step("Refresh: a user's token renewed with its refresh token (grant.refresh_token plugin)")
    refreshed = client.refresh_token(token)
    print("  client.refresh_token(token) gave a new one:")
    print(f"    {refreshed!r}")
    print(f"    expires in {refreshed.expires_in} s, scope {refreshed.scope!r}")
    new_access = refreshed.access_token != token.access_token
    rotated = refreshed.refresh_token not in (None, token.refresh_token)
    print(f"    a new access token: {new_access}; the refresh token rotated: {rotated}")
    answer = requests.get(server.url("/test/protected"), auth=refreshed, timeout=10)
    print(f"  protected resource says: HTTP {answer.status_code} (sub={answer.json()['sub']!r})")
    try:
        client.refresh_token(token)
    except InvalidGrant as exc:
        print(f"  the rotated-out refresh token is refused: {type(exc).__name__} ({exc.error})")


def device_flow(server: AuthServer) -> BearerToken:
    step("Device authorization (RFC 8628): the user approves on another device")
    client = OAuth2Client(
        server.token_endpoint,
        client_id="device-client",
        device_authorization_endpoint=server.discovery["device_authorization_endpoint"],
    )
    started = client.authorize_device(scope="openid")
    print(f"  go to {started.verification_uri} and enter {started.user_code}")
    try:
        client.device_code(started)
    except AuthorizationPending as exc:
        print(f"  polled before approval: {type(exc).__name__} ({exc.error})")
    server.approve_device(started.user_code)
    token = client.device_code(started)
    print(f"  approved, polled again: {token!r}")
    return token


def ciba(server: AuthServer) -> None:
    step("CIBA (poll mode): the user approves on their own device")
    client = OAuth2Client(
        server.token_endpoint,
        client_id="ciba-client",
        client_secret="ciba-client-secret",
        token_endpoint_auth_method="client_secret_basic",
        backchannel_authentication_endpoint=server.discovery["backchannel_authentication_endpoint"],
    )
    started = client.backchannel_authentication_request(
        scope="openid", login_hint="alice", binding_message="demo-42"
    )
    print(f"  request started, expires in {started.expires_in} s, poll every {started.interval} s")
    server.approve_ciba(started.auth_req_id)
    print(f"  approved on alice's phone, polled: {client.ciba(started)!r}")


def token_exchange(server: AuthServer) -> None:
    step("Token exchange (RFC 8693): a service trades a user's token for its own")
    app = OAuth2Client(server.token_endpoint, auth=("ropc-client", "ropc-client-secret"))
    user = app.resource_owner_password("carol", "carol-password", scope="api:read")
    print(f"  carol's token (resource owner password grant): {user!r}")
    client = OAuth2Client(
        server.token_endpoint,
        client_id="exchanger",
        client_secret="exchanger-secret",
        token_endpoint_auth_method="client_secret_basic",
    )
    exchanged = client.token_exchange(subject_token=user, scope="api:read")  # type guessed
    print(f"  the service's token: {exchanged!r}")
    print(f"  issued_token_type: {exchanged.issued_token_type}")
    answer = requests.get(server.url("/test/protected"), auth=exchanged, timeout=10)
    print(f"  protected resource says: HTTP {answer.status_code} (sub={answer.json()['sub']!r})")


def introspect_and_revoke(server: AuthServer, user: BearerToken) -> None:
    step("Introspection (RFC 7662) and revocation (RFC 7009)")
    resource_server = OAuth2Client(
        server.token_endpoint,
        client_id="rs-introspector",
        client_secret="rs-introspector-secret",
        token_endpoint_auth_method="client_secret_basic",
        introspection_endpoint=server.discovery["introspection_endpoint"],
    )
    before = resource_server.introspect_token(user.access_token, token_type_hint="access_token")
    print(f"  the resource server introspects the token: active={before['active']}")
    revoker = OAuth2Client(
        server.token_endpoint,
        client_id="device-client",  # the client the token was issued to
        revocation_endpoint=server.discovery["revocation_endpoint"],
    )
    print(f"  the device revokes it: {revoker.revoke_access_token(user)}")
    after = resource_server.introspect_token(user.access_token, token_type_hint="access_token")
    print(f"  introspected again: active={after['active']}")


class TraceHeader:
    """A plugin registered at run time: a header on each token request, then a look at it."""

    def __init__(self) -> None:
        self.sent: list[str | None] = []

    @hookimpl
    def oauth2kit_prepare_request(self, call: EndpointCall) -> None:
        """Add the trace header to every outgoing request."""
        call.headers[TRACE_HEADER] = f"demo-{call.grant or call.endpoint}"

    @hookimpl
    def oauth2kit_token_obtained(self, call: EndpointCall) -> None:
        """Note the header as it went over the wire, in the request that got a token."""
        self.sent.append(call.last_response().request.headers.get(TRACE_HEADER))


def plugin_at_work(server: AuthServer) -> None:
    step("A plugin at work: one registered at run time adds a header to token requests")
    host = PluginHost()  # a host of its own, so that the other clients stay as they were
    plugin = TraceHeader()
    info = host.register(plugin, name="demo.trace_header")
    print(f"  registered {info.name!r}: {info.status}")
    client = OAuth2Client(
        server.token_endpoint, client_id="cc-post", client_secret="cc-post-secret", plugins=host
    )
    token = client.client_credentials(scope="api:read")
    print(f"  token: expires in {token.expires_in} s, scope {token.scope!r}")
    print(f"  the token request went out with {TRACE_HEADER}: {plugin.sent[-1]}")

    step("A plugin at work: the example vendor plugin's magic_word grant")
    if not default_host().is_loaded("example.vendor"):
        print("  not installed: pip install ./tests/plugins/oauth2kit-example (scripts/demo does)")
        return
    vendor = OAuth2Client(
        server.token_endpoint,
        client_id="example-vendor",
        client_secret="example-vendor-secret",
        token_endpoint_auth_method="client_secret_basic",
    )
    token = vendor.grant("magic_word", magic_word="please", scope="api:read")
    print(f"  client.grant('magic_word', magic_word='please'): {token!r}")
    try:
        vendor.grant("magic_word", magic_word="abracadabra")
    except InvalidGrant as exc:
        print(f"  the wrong word: {type(exc).__name__} ({exc.error})")


def show_plugins() -> None:
    step("Plugins (python -m oauth2kit plugins lists them with what each provides)")
    plugins = default_host().plugins()
    for status in ("loaded", "blocked", "failed"):
        names = [info.name for info in plugins if info.status == status]
        if names:
            print(f"  {status} ({len(names)}): {', '.join(names)}")


def main() -> int:
    print("Starting the test authorization server (tests/as/, on Node.js)...", flush=True)
    with tempfile.TemporaryDirectory(prefix="oauth2kit-demo-") as log_dir:
        server = start_auth_server(mtls=False, log_dir=Path(log_dir))
        try:
            print(f"  issuer: {server.issuer}")
            client = client_credentials(server)
            errors(client)
            auth_handler(server, client)
            code_client, user = code_flow(server)
            refresh(server, code_client, user)
            on_the_tv = device_flow(server)
            ciba(server)
            token_exchange(server)
            introspect_and_revoke(server, on_the_tv)
            plugin_at_work(server)
            show_plugins()
        except BaseException:
            print(f"The server's log ends with:\n{server.log_tail()}", file=sys.stderr)
            raise
        finally:
            server.stop()
    print("\nDone.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
