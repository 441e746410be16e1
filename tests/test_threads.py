"""A plugin host shared by threads that send requests while plugins come and go."""

from __future__ import annotations

import threading

import pytest
from as_server import AuthServer

from oauth2kit import BearerToken, EndpointCall, OAuth2Client, PluginHost, hookimpl

pytestmark = pytest.mark.integration

THREADS = 6
TOKENS_PER_THREAD = 8


class Tracer:
    """Adds a header to each request, and counts the requests it saw."""

    def __init__(self) -> None:
        self.seen = 0
        self.lock = threading.Lock()

    @hookimpl
    def oauth2kit_prepare_request(self, call: EndpointCall) -> None:
        call.headers["X-Trace"] = "1"
        with self.lock:
            self.seen += 1


def test_registering_and_unregistering_while_clients_send(auth_server: AuthServer) -> None:
    host = PluginHost()
    client = OAuth2Client(
        auth_server.token_endpoint,
        client_id="cc-basic",
        client_secret="cc-basic-secret",
        token_endpoint_auth_method="client_secret_basic",
        plugins=host,
    )
    tracer = Tracer()
    errors: list[BaseException] = []
    tokens: list[BearerToken] = []
    done = threading.Event()

    def churn() -> None:
        while not done.is_set():
            host.register(tracer, name="test.tracer")
            host.unregister("test.tracer")

    def send() -> None:
        try:
            tokens.extend(
                client.client_credentials(scope="api:read") for _ in range(TOKENS_PER_THREAD)
            )
        except BaseException as exc:  # noqa: BLE001 - collected for the assertions
            errors.append(exc)

    churner = threading.Thread(target=churn)
    senders = [threading.Thread(target=send) for _ in range(THREADS)]
    churner.start()
    for thread in senders:
        thread.start()
    for thread in senders:
        thread.join(timeout=60)
    done.set()
    churner.join(timeout=10)

    assert errors == []
    assert len(tokens) == THREADS * TOKENS_PER_THREAD
    assert all(token.scope == "api:read" for token in tokens)
    # The host is whole afterwards: the built-ins are there, the tracer is gone.
    assert host.is_loaded("grant.client_credentials")
    assert not host.is_loaded("test.tracer")
    host.register(tracer, name="test.tracer")
    before = tracer.seen
    client.client_credentials(scope="api:read")
    assert tracer.seen == before + 1
