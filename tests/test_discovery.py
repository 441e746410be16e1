"""Discovery: well-known URIs, which document members configure a client, and the real server's.

A client takes a document member as a setting only when a plugin provides that setting for
it; the rest stays in its ``discovery_document``. Both sides are shown with a host whose
plugins the test chooses, and against the test server's real document with a plugin
disabled for one client or for the whole host. Stubs (``responses``) stand only for
answers the real server never gives: a body that is not JSON, one that is too large.
"""

from __future__ import annotations

import types
from collections.abc import Mapping
from typing import Any

import pytest
import requests
import responses
from as_server import AuthServer
from o2k_builtins.endpoints import discovery
from o2k_builtins.endpoints.discovery import DOCUMENT_SETTINGS
from o2k_builtins.transport import requests_session

import oauth2kit
from oauth2kit import (
    InvalidDiscoveryDocument,
    InvalidIssuer,
    InvalidParam,
    InvalidUri,
    OAuth2Client,
    OAuth2Error,
    PluginDisabled,
    PluginHost,
    PluginNotAvailable,
    Registry,
    ResponseTooLarge,
    Setting,
    hookimpl,
    oauth2_discovery_document_url,
    oidc_discovery_document_url,
    well_known_uri,
)

ISSUER = "https://as.example/tenant"
DOCUMENT: dict[str, Any] = {
    "issuer": ISSUER,
    "token_endpoint": "https://as.example/tenant/token",
    **{name: f"https://as.example/tenant/{name}" for name in DOCUMENT_SETTINGS},
    "authorization_response_iss_parameter_supported": True,
    "mtls_endpoint_aliases": {"token_endpoint": "https://mtls.as.example/tenant/token"},
    "grant_types_supported": ["client_credentials", "refresh_token"],
    "dpop_signing_alg_values_supported": ["ES256"],
}


class NoAuth(requests.auth.AuthBase):
    """Client authentication that needs no plugin (the controlled hosts have none)."""

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        return request


class EverySetting:
    """A throwaway plugin that provides every setting a document may configure."""

    @hookimpl
    def oauth2kit_register_settings(self, registry: Registry[Setting]) -> None:
        for name in DOCUMENT_SETTINGS:
            registry.add(name, Setting(endpoint=name.endswith(("_endpoint", "_uri"))))


def host_with(*plugins: tuple[str, object]) -> PluginHost:
    """A host with the discovery and transport plugins and `plugins` only."""
    host = PluginHost(load_entry_points=False)
    builtins = (("endpoint.discovery", discovery), ("transport.requests", requests_session))
    for name, plugin in (*builtins, *plugins):
        assert "loaded" == host.register(plugin, name=name).status
    return host


def plain(value: Any) -> Any:
    """A read-only document back as plain JSON types, to compare with what was served."""
    if isinstance(value, Mapping):
        return {key: plain(item) for key, item in value.items()}
    return [plain(item) for item in value] if isinstance(value, tuple) else value


# --- well-known URIs -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("issuer", "oauth2", "oidc"),
    [
        (
            "https://as.example",
            "https://as.example/.well-known/oauth-authorization-server",
            "https://as.example/.well-known/openid-configuration",
        ),
        (
            "https://as.example/",
            "https://as.example/.well-known/oauth-authorization-server",
            "https://as.example/.well-known/openid-configuration",
        ),
        (  # RFC 8414 section 3.1: the well-known segment goes before the issuer's path.
            "https://as.example/issuer1",
            "https://as.example/.well-known/oauth-authorization-server/issuer1",
            "https://as.example/issuer1/.well-known/openid-configuration",
        ),
        (
            "http://127.0.0.1:8080/a/b/",
            "http://127.0.0.1:8080/.well-known/oauth-authorization-server/a/b",
            "http://127.0.0.1:8080/a/b/.well-known/openid-configuration",
        ),
    ],
)
def test_discovery_document_urls(issuer: str, oauth2: str, oidc: str) -> None:
    assert oauth2 == oauth2_discovery_document_url(issuer)
    assert oidc == oidc_discovery_document_url(issuer)


def test_well_known_uri_for_any_name() -> None:
    assert "https://h.example/.well-known/example/foo/bar" == well_known_uri(
        "https://h.example/foo/bar", "example"
    )
    assert "https://h.example/foo/bar/.well-known/example" == well_known_uri(
        "https://h.example/foo/bar", "example", at_root=False
    )


@pytest.mark.parametrize(
    ("origin", "name"),
    [
        ("as.example/tenant", "x"),  # no scheme
        ("https://", "x"),  # no host
        ("https://as.example/?tenant=1", "x"),
        ("https://as.example/#frag", "x"),
        (None, "x"),
        ("https://as.example", ""),
        ("https://as.example", "a/b"),
    ],
)
def test_well_known_uri_refuses_what_is_no_origin_or_name(origin: Any, name: str) -> None:
    with pytest.raises(InvalidParam):
        well_known_uri(origin, name)


# --- which members configure the client ------------------------------------------------


def test_every_provided_endpoint_is_configured() -> None:
    client = OAuth2Client.from_discovery_document(
        DOCUMENT, ISSUER, auth=NoAuth(), plugins=host_with(("test.settings", EverySetting()))
    )
    assert (DOCUMENT["token_endpoint"], ISSUER) == (client.token_endpoint, client.issuer)
    for name in DOCUMENT_SETTINGS:
        assert plain(client.settings[name]) == DOCUMENT[name], name
    # The device and backchannel endpoints too, which upstream ignores.
    assert DOCUMENT["backchannel_authentication_endpoint"] == client.setting(
        "backchannel_authentication_endpoint"
    )
    assert DOCUMENT["device_authorization_endpoint"] == client.device_authorization_endpoint


def test_endpoints_without_a_plugin_are_kept_but_not_configured() -> None:
    client = OAuth2Client.from_discovery_document(DOCUMENT, auth=NoAuth(), plugins=host_with())
    assert {"discovery_document"} == set(client.settings)
    assert {} == client.extra_metadata
    with pytest.raises(PluginNotAvailable):
        client.setting("revocation_endpoint")
    # Nothing is lost: the whole document, read-only, for plugins and users.
    document = client.discovery_document
    assert DOCUMENT == plain(document)
    assert ("client_credentials", "refresh_token") == document["grant_types_supported"]
    with pytest.raises(TypeError):
        document["issuer"] = "https://evil.example"
    assert ISSUER == client.issuer  # no issuer given: the document's


def test_arguments_win_over_the_document() -> None:
    client = OAuth2Client.from_discovery_document(
        DOCUMENT,
        auth=NoAuth(),
        plugins=host_with(("test.settings", EverySetting())),
        userinfo_endpoint="https://other.example/userinfo",
        token_endpoint="https://other.example/token",
    )
    assert "https://other.example/userinfo" == client.settings["userinfo_endpoint"]
    assert "https://other.example/token" == client.token_endpoint


def test_a_document_naming_another_issuer_is_refused() -> None:
    with pytest.raises(
        InvalidParam, match="Mismatching `issuer` value in discovery document"
    ) as caught:
        OAuth2Client.from_discovery_document(DOCUMENT, "https://as.example/other", auth=NoAuth())
    assert isinstance(caught.value, InvalidDiscoveryDocument)
    assert "received 'https://as.example/tenant', expected 'https://as.example/other'" in str(
        caught.value
    )
    assert DOCUMENT is caught.value.discovery_document


@pytest.mark.parametrize(
    "document",
    [
        {"issuer": ISSUER},
        {"issuer": ISSUER, "token_endpoint": ""},
        {"issuer": ISSUER, "token_endpoint": ["https://as.example/token"]},
        ["not", "a", "mapping"],
        {1: "non-str key"},
    ],
)
def test_an_unusable_document_is_refused(document: Any) -> None:
    with pytest.raises(InvalidDiscoveryDocument):
        OAuth2Client.from_discovery_document(document, auth=NoAuth())


def test_an_unusable_endpoint_in_the_document_is_refused_by_the_client() -> None:
    document = {**DOCUMENT, "revocation_endpoint": "http://as.example/revoke"}  # not https
    with pytest.raises(oauth2kit.InvalidEndpointUri, match="revocation_endpoint"):
        OAuth2Client.from_discovery_document(
            document, auth=NoAuth(), plugins=host_with(("test.settings", EverySetting()))
        )


def test_https_false_is_the_deprecated_spelling_of_testing() -> None:
    document = {**DOCUMENT, "token_endpoint": "http://as.example/token"}
    with pytest.warns(UserWarning, match="https=False is deprecated"):
        client = OAuth2Client.from_discovery_document(
            document, auth=NoAuth(), plugins=host_with(), https=False
        )
    assert client.testing is True
    assert "https" not in client.extra_metadata


# --- fetching --------------------------------------------------------------------------


def test_fetching_needs_an_issuer_or_a_url() -> None:
    with pytest.raises(InvalidParam, match="at least one of `issuer` or `url`"):
        OAuth2Client.from_discovery_endpoint(auth=NoAuth())


def test_a_bad_issuer_or_url_is_refused_before_fetching() -> None:
    with pytest.raises(InvalidIssuer, match="must use https"):
        OAuth2Client.from_discovery_endpoint(issuer="http://as.example", auth=NoAuth())
    with pytest.raises(InvalidUri, match="must use https"):
        OAuth2Client.from_discovery_endpoint(
            "http://as.example/.well-known/openid-configuration", auth=NoAuth()
        )


@responses.activate
def test_a_body_that_is_no_json_object_is_refused() -> None:
    url = "https://as.example/.well-known/openid-configuration"
    responses.get(url, body="<html>hello</html>", content_type="text/html")
    with pytest.raises(InvalidDiscoveryDocument, match="not a JSON object"):
        OAuth2Client.from_discovery_endpoint(url, auth=NoAuth())
    responses.get(url, json=["a", "list"])
    with pytest.raises(InvalidDiscoveryDocument, match="not a JSON object"):
        OAuth2Client.from_discovery_endpoint(url, auth=NoAuth())


@responses.activate
def test_a_document_larger_than_the_limit_is_refused() -> None:
    url = "https://as.example/.well-known/openid-configuration"
    responses.get(url, json={**DOCUMENT, "padding": "x" * 2000})
    with pytest.raises(ResponseTooLarge):
        OAuth2Client.from_discovery_endpoint(url, auth=NoAuth(), max_response_bytes=1000)


# --- the real server's document ---------------------------------------------------------


@pytest.mark.integration
def test_a_client_from_the_real_servers_document(auth_server: AuthServer) -> None:
    client = OAuth2Client.from_discovery_endpoint(
        issuer=auth_server.issuer, auth=("cc-basic", "cc-basic-secret")
    )
    served = auth_server.discovery
    assert (served["token_endpoint"], auth_server.issuer) == (client.token_endpoint, client.issuer)
    assert served == plain(client.discovery_document)
    for name in DOCUMENT_SETTINGS:
        if name in client.settings:
            assert served[name] == plain(client.settings[name])
    # These plugins are built in, so their endpoints are configured.
    for name in ("revocation_endpoint", "introspection_endpoint", "userinfo_endpoint"):
        assert served[name] == client.settings[name]
    # ... and work: a token of this client, revoked at the discovered endpoint.
    token = client.client_credentials()
    assert client.introspect_token(token)["active"] is True
    assert client.revoke_token(token) is True
    assert {"active": False} == client.introspect_token(token)


@pytest.mark.integration
def test_the_document_url_may_be_given_instead(auth_server: AuthServer) -> None:
    url = oidc_discovery_document_url(auth_server.issuer)
    client = OAuth2Client.from_discovery_endpoint(url, auth=("cc-basic", "cc-basic-secret"))
    assert auth_server.issuer == client.issuer


@pytest.mark.integration
def test_the_real_document_with_another_issuer_is_refused(auth_server: AuthServer) -> None:
    url = oidc_discovery_document_url(auth_server.issuer)
    with pytest.raises(InvalidDiscoveryDocument, match="Mismatching `issuer`"):
        OAuth2Client.from_discovery_endpoint(
            url, issuer="http://127.0.0.1:1", auth=("cc-basic", "cc-basic-secret")
        )


@pytest.mark.integration
def test_the_document_is_fetched_through_the_client_pipeline(auth_server: AuthServer) -> None:
    # One place for the network I/O: the hooks see the fetch, as they see every request.
    seen: list[tuple[str, str, str]] = []

    @oauth2kit.hookimpl
    def oauth2kit_prepare_request(call: oauth2kit.EndpointCall) -> None:
        seen.append((call.endpoint, call.method, call.url))

    plugin = types.ModuleType("records_requests")
    plugin.oauth2kit_prepare_request = oauth2kit_prepare_request  # type: ignore[attr-defined]
    host = oauth2kit.PluginHost()
    host.register(plugin)
    client = OAuth2Client.from_discovery_endpoint(
        issuer=auth_server.issuer, auth=("cc-basic", "cc-basic-secret"), plugins=host
    )
    url = oidc_discovery_document_url(auth_server.issuer)
    # The document, then the server's keys (which the jwks plugin fetches the same way).
    assert [("discovery_endpoint", "GET", url), ("jwks_uri", "GET", client.jwks_uri)] == seen
    assert client.plugins is host


@pytest.mark.integration
def test_a_missing_document_is_an_error_response(auth_server: AuthServer) -> None:
    url = well_known_uri(auth_server.issuer, "no-such-document")
    with pytest.raises(OAuth2Error, match="HTTP 404") as caught:
        OAuth2Client.from_discovery_endpoint(url, auth=("cc-basic", "cc-basic-secret"))
    assert 404 == caught.value.response.status_code


@pytest.mark.integration
def test_a_plugin_disabled_for_the_client_keeps_its_endpoint_out(auth_server: AuthServer) -> None:
    client = OAuth2Client.from_discovery_endpoint(
        issuer=auth_server.issuer,
        auth=("cc-basic", "cc-basic-secret"),
        disable_plugins=["endpoint.revocation"],
    )
    served = auth_server.discovery["revocation_endpoint"]
    assert "revocation_endpoint" not in client.settings
    assert served == client.discovery_document["revocation_endpoint"]
    with pytest.raises(PluginDisabled, match=r"endpoint\.revocation"):
        client.revoke_token("any")
    assert auth_server.discovery["introspection_endpoint"] == client.introspection_endpoint


@pytest.mark.integration
def test_a_plugin_blocked_host_wide_keeps_its_endpoint_out(auth_server: AuthServer) -> None:
    client = OAuth2Client.from_discovery_endpoint(
        issuer=auth_server.issuer,
        auth=("cc-basic", "cc-basic-secret"),
        plugins=PluginHost(disable=["endpoint.userinfo"]),
    )
    assert "userinfo_endpoint" not in client.settings
    assert (
        auth_server.discovery["userinfo_endpoint"] == client.discovery_document["userinfo_endpoint"]
    )
    with pytest.raises(PluginNotAvailable):
        client.userinfo("any")


class ServerKeys:
    """A throwaway plugin owning ``jwks_uri`` and the key update operation (as OIDC will)."""

    def __init__(self) -> None:
        self.fetched: list[Any] = []

    @hookimpl
    def oauth2kit_register_settings(self, registry: Registry[Setting]) -> None:
        registry.add("jwks_uri", Setting(endpoint=True))

    @hookimpl
    def oauth2kit_register_operations(self, registry: Registry[Any]) -> None:
        def update(client: OAuth2Client) -> Any:
            keys = requests.get(client.setting("jwks_uri"), timeout=5).json()
            self.fetched.append(keys)
            return keys

        registry.add("update_authorization_server_public_keys", update)


@pytest.mark.integration
def test_the_servers_keys_are_fetched_when_a_plugin_can(auth_server: AuthServer) -> None:
    keys = ServerKeys()
    client = OAuth2Client.from_discovery_endpoint(
        issuer=auth_server.issuer, auth=NoAuth(), plugins=host_with(("test.keys", keys))
    )
    assert auth_server.discovery["jwks_uri"] == client.settings["jwks_uri"]
    assert 1 == len(keys.fetched)
    assert {"as-rs256", "as-es256"} <= {key["kid"] for key in keys.fetched[0]["keys"]}
