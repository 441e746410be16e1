"""The transport is a plugin: `oauth2kit_transmit` sends every call, and another plugin may.

The built-in ``transport.requests`` answers the hook last, so a plugin for another HTTP
stack (or one that records calls) takes over by answering first, and falls through to it
by returning None. With no transport at all, a call says which hook nobody implements.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import requests
from as_server import AuthServer

from oauth2kit import (
    EndpointCall,
    OAuth2Client,
    PluginError,
    PluginHost,
    Transport,
    hookimpl,
)


class Canned:
    """A transport of its own: answers every call with one token response, no network."""

    def __init__(self) -> None:
        self.seen: list[tuple[dict[str, Any], str | None, Transport]] = []

    @hookimpl
    def oauth2kit_transmit(
        self, call: EndpointCall, transport: Transport, auth: object
    ) -> requests.Response:
        self.seen.append((dict(call.form), call.headers.get("Authorization"), transport))
        response = requests.Response()
        response.status_code = 200
        response.url = call.url
        response.headers["Content-Type"] = "application/json"
        response._content = json.dumps({"access_token": "canned", "token_type": "Bearer"}).encode()
        return response


class Watcher:
    """Looks at every call and leaves it to the next transport."""

    def __init__(self) -> None:
        self.grants: list[str | None] = []

    @hookimpl
    def oauth2kit_transmit(self, call: EndpointCall) -> None:
        self.grants.append(call.grant)


def test_a_plugin_can_take_over_the_transport() -> None:
    canned = Canned()
    host = PluginHost()
    host.register(canned, name="test.canned")
    client = OAuth2Client(
        "https://as.example/token",
        client_id="c",
        client_secret="s",
        token_endpoint_auth_method="client_secret_basic",
        plugins=host,
    )
    token = client.client_credentials(scope="a")
    assert "canned" == token.access_token
    [(form, authorization, transport)] = canned.seen
    # It receives the call as the kernel made it: form checked, client authentication in.
    assert {"grant_type": "client_credentials", "scope": "a"} == form
    assert (authorization or "").startswith("Basic ")
    assert client.transport is transport  # https: the proxy policy leaves it as it was


@pytest.mark.integration
def test_a_plugin_that_passes_leaves_the_call_to_requests(auth_server: AuthServer) -> None:
    watcher = Watcher()
    host = PluginHost()
    host.register(watcher, name="test.watcher")
    client = OAuth2Client(
        auth_server.token_endpoint,
        client_id="cc-post",
        client_secret="cc-post-secret",
        issuer=auth_server.issuer,
        plugins=host,
    )
    assert client.client_credentials(scope="api:read").access_token
    assert ["client_credentials"] == watcher.grants


def test_plain_http_reaches_the_transport_with_every_proxy_turned_off() -> None:
    canned = Canned()
    host = PluginHost()
    host.register(canned, name="test.canned")
    client = OAuth2Client(
        "http://127.0.0.1:9/token", client_id="c", client_secret="s", plugins=host
    )
    client.client_credentials()
    [(_, _, transport)] = canned.seen
    assert {"http", "all", "http://127.0.0.1", "all://127.0.0.1"} <= transport.proxies.keys()
    assert not any(transport.proxies.values())


def test_without_a_transport_a_call_names_the_hook_and_the_blocked_plugin() -> None:
    client = OAuth2Client(
        "https://as.example/token",
        client_id="c",
        client_secret="s",
        disable_plugins=["transport.requests"],
    )
    with pytest.raises(PluginError, match=r"oauth2kit_transmit.*transport\.requests"):
        client.client_credentials()


@pytest.mark.integration
def test_the_plugin_guides_recorder_runs_as_written(auth_server: AuthServer) -> None:
    guide = (Path(__file__).parent.parent / "docs" / "plugins.md").read_text()
    section = guide.partition("## Sending requests another way")[2]
    example = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert example is not None
    namespace: dict[str, Any] = {}
    exec(example.group(1), namespace)  # noqa: S102 - the guide's own example
    client = OAuth2Client(
        auth_server.token_endpoint,
        client_id="cc-post",
        client_secret="cc-post-secret",
        plugins=namespace["host"],
    )
    assert client.client_credentials(scope="api:read").access_token
    # It sees the form as sent: client authentication (client_secret_post here) is in it.
    fields = ["client_id", "client_secret", "grant_type", "scope"]
    assert [("POST", "token_endpoint", fields)] == namespace["recorder"].calls


class Broken:
    @hookimpl
    def oauth2kit_transmit(self) -> str:
        return "not a response"


def test_a_transport_that_returns_something_else_is_a_plugin_error() -> None:
    host = PluginHost()
    host.register(Broken(), name="test.broken")
    client = OAuth2Client("https://as.example/token", client_id="c", plugins=host)
    with pytest.raises(PluginError, match=r"returned a str, not a requests\.Response"):
        client.client_credentials()
