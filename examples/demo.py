"""oauth2kit demo: the main flows end to end against the local test authorization server.

Run it with ``scripts/demo``; it starts the server from tests/as/ on a free loopback port,
runs each flow, prints what happens, and stops the server. It grows as flows land.
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path

import requests

from oauth2kit import (
    InvalidScope,
    OAuth2Client,
    OAuth2ClientCredentialsAuth,
    default_host,
)

# The test server's launcher lives with the tests; the demo reuses it rather than copy it.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from as_server import AuthServer, start_auth_server

THREADS = 32


def step(title: str) -> None:
    print(f"\n== {title}")


def show_plugins() -> None:
    step("Plugins (python -m oauth2kit plugins lists them in full)")
    for info in default_host().plugins():
        provides = "; ".join(f"{k}: {', '.join(v)}" for k, v in (info.provides or {}).items())
        print(f"  {info.name:<28} {info.status:<7} {provides}")


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


def main() -> int:
    print("Starting the test authorization server (tests/as/, oidc-provider on Node)...")
    server = start_auth_server(mtls=False)
    try:
        print(f"  issuer: {server.issuer}")
        client = client_credentials(server)
        errors(client)
        auth_handler(server, client)
        show_plugins()
    finally:
        server.stop()
    print("\nDone.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
