"""Renewing handlers with tokens that live one or two seconds, from many threads at once.

Against the real test authorization server: its token endpoint issues the tokens and counts
the token requests. `cc-short` gets 2-second tokens by client credentials; no static client
gets 1-second ones, so a client registered here asks for them (`test_access_token_ttl`, see
tests/as/README.md).

The handler is called on prepared requests, not sent to the server's protected resource:
that resource takes oidc-provider's expiry, cut to whole seconds at issue, so a 1-second
token may be refused there a moment after it arrives, whatever the client does.
"""

from __future__ import annotations

import threading
import time

import pytest
import requests
from as_server import AuthServer

from oauth2kit import OAuth2Client, OAuth2ClientCredentialsAuth

pytestmark = pytest.mark.integration

THREADS = 48
DURATION = 3.0  # seconds of requests per case


@pytest.fixture(scope="module")
def one_second_client(auth_server: AuthServer) -> tuple[str, str]:
    """A client credentials client whose access tokens live 1 second: (client_id, secret)."""
    metadata = {
        "grant_types": ["client_credentials"], "response_types": [], "redirect_uris": [],
        "token_endpoint_auth_method": "client_secret_basic", "scope": "api:read",
        "test_access_token_ttl": 1,
    }  # fmt: skip
    response = requests.post(auth_server.url("/reg"), json=metadata, timeout=10)
    assert 201 == response.status_code, response.text
    data = response.json()
    return data["client_id"], data["client_secret"]


class Outcome:
    """What the threads saw: how many requests got a header, what they raised."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.calls = 0
        self.errors: list[BaseException] = []
        self.tokens: set[str] = set()


def requests_from_threads(
    auth: requests.auth.AuthBase, threads: int = THREADS, duration: float = DURATION
) -> Outcome:
    """Prepare requests with `auth` from `threads` threads for `duration` seconds."""
    outcome = Outcome()
    barrier = threading.Barrier(threads)
    until = time.monotonic() + duration

    def worker() -> None:
        barrier.wait(timeout=30)
        calls, errors, tokens = 0, [], set()
        while time.monotonic() < until:
            request = requests.Request("GET", "https://rs.example/api").prepare()
            try:
                tokens.add(auth(request).headers["Authorization"])
            except Exception as exc:  # noqa: BLE001 - collected for the assertions
                errors.append(exc)
            calls += 1
        with outcome.lock:
            outcome.calls += calls
            outcome.errors.extend(errors)
            outcome.tokens.update(tokens)

    # Daemons: a thread stuck on a renewal must fail the test, not hang pytest at exit.
    workers = [threading.Thread(target=worker, daemon=True) for _ in range(threads)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join(timeout=duration + 30)
    assert [] == [thread for thread in workers if thread.is_alive()]
    return outcome


@pytest.mark.parametrize("leeway", [0, 20])
@pytest.mark.parametrize("lifetime", [1, 2])
def test_many_threads_never_see_an_expired_token_and_renew_once_per_lifetime(
    auth_server: AuthServer, one_second_client: tuple[str, str], lifetime: int, leeway: float
) -> None:
    client_id, secret = ("cc-short", "cc-short-secret") if lifetime == 2 else one_second_client
    client = OAuth2Client(
        auth_server.token_endpoint, client_id=client_id, client_secret=secret,
        token_endpoint_auth_method="client_secret_basic",
    )  # fmt: skip
    auth = OAuth2ClientCredentialsAuth(client, leeway=leeway, scope="api:read")
    auth_server.reset_counters()

    outcome = requests_from_threads(auth)

    assert [] == [f"{type(e).__name__}: {e}" for e in outcome.errors]
    # Renewed at expiry with no leeway; halfway through each token's life with a leeway
    # longer than that life (not at every request, as when expires_at lost its fraction).
    interval = lifetime if leeway == 0 else lifetime / 2
    token_requests = auth_server.token_requests(client_id)
    assert DURATION / interval - 1 <= token_requests <= DURATION / interval + 2
    assert len(outcome.tokens) == token_requests  # each token obtained was used
    assert outcome.calls > 50 * token_requests  # most requests took a token already there
