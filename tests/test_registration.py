"""Dynamic client registration (RFC 7591) and its management (RFC 7592), against the test server.

The test server registers clients without an initial access token, and rotates the
registration access token on every update (PUT).
"""

from __future__ import annotations

from typing import Any

import pytest
import responses
from as_server import AuthServer

from oauth2kit import (
    ClientRegistration,
    InvalidClientMetadata,
    InvalidEndpointUri,
    InvalidRedirectUri,
    InvalidRegistrationMetadata,
    InvalidRegistrationResponse,
    OAuth2Client,
    OAuth2Error,
    RegistrationError,
    RegistrationNotManageable,
    register_client,
)

SERVICE = {  # a machine-to-machine client: it can prove its registration with a token
    "client_name": "oauth2kit test service",
    "grant_types": ["client_credentials"],
    "response_types": [],
    "redirect_uris": [],
    "token_endpoint_auth_method": "client_secret_basic",
    "scope": "api:read",
}


def _registration_endpoint(server: AuthServer) -> str:
    endpoint: str = server.discovery["registration_endpoint"]
    return endpoint


@pytest.mark.integration
def test_register_read_update_delete(auth_server: AuthServer) -> None:
    registration = register_client(_registration_endpoint(auth_server), SERVICE)
    assert registration.client_id
    assert registration.client_secret
    assert "oauth2kit test service" == registration.metadata["client_name"]
    assert "registration_access_token" not in registration.metadata
    assert registration.registration_client_uri
    assert registration.client_secret not in repr(registration)
    assert str(registration.registration_access_token) not in repr(registration)

    # The registered client is real: it obtains tokens with its new credentials.
    client = OAuth2Client(
        auth_server.token_endpoint, auth=(registration.client_id, registration.client_secret)
    )
    assert "api:read" == client.client_credentials(scope="api:read").scope

    assert "oauth2kit test service" == registration.read()["client_name"]
    first_token = registration.registration_access_token
    stored = registration.as_dict()

    updated = registration.update(registration.metadata, client_name="renamed")
    assert "renamed" == updated["client_name"] == registration.metadata["client_name"]
    assert registration.registration_access_token not in (None, first_token)  # rotated, kept
    assert "renamed" == registration.read()["client_name"]  # the new token works

    stale = ClientRegistration(stored)  # restored with the rotated-out token
    with pytest.raises(OAuth2Error):
        stale.read()

    restored = ClientRegistration(registration.as_dict())
    registration.delete()
    with pytest.raises(RegistrationNotManageable):
        registration.read()
    with pytest.raises(OAuth2Error):  # the server no longer knows the client
        restored.read()


@pytest.mark.integration
def test_register_through_a_client_that_has_a_registration_endpoint(
    auth_server: AuthServer,
) -> None:
    client = OAuth2Client(
        auth_server.token_endpoint,
        auth=("cc-basic", "cc-basic-secret"),
        registration_endpoint=_registration_endpoint(auth_server),
    )
    registration = client.run(
        "register_client", metadata={"redirect_uris": ["http://127.0.0.1/cb"]}, client_name="web"
    )
    assert isinstance(registration, ClientRegistration)
    assert ("web", ["http://127.0.0.1/cb"]) == (
        registration.metadata["client_name"],
        registration.metadata["redirect_uris"],
    )
    updated = registration.update(registration.metadata, redirect_uris=["http://127.0.0.1/other"])
    assert ["http://127.0.0.1/other"] == updated["redirect_uris"]
    registration.delete()


@pytest.mark.integration
@pytest.mark.parametrize(
    ("metadata", "error"),
    [
        ({"redirect_uris": ["http://127.0.0.1/cb#fragment"]}, InvalidRedirectUri),
        (
            {"redirect_uris": ["http://127.0.0.1/cb"], "grant_types": "not-a-list"},
            InvalidClientMetadata,
        ),
    ],
)
def test_refusals_raise_the_rfc_7591_exceptions(
    auth_server: AuthServer, metadata: dict[str, Any], error: type[RegistrationError]
) -> None:
    with pytest.raises(error) as caught:
        register_client(_registration_endpoint(auth_server), metadata)
    assert isinstance(caught.value, RegistrationError)
    assert caught.value.error in ("invalid_redirect_uri", "invalid_client_metadata")


def test_metadata_and_endpoints_are_checked_before_sending() -> None:
    with pytest.raises(InvalidRegistrationMetadata, match="must be JSON"):
        register_client("https://as.example/reg", {"jwks": object()})
    not_str_keys: Any = {1: "x"}
    with pytest.raises(InvalidRegistrationMetadata, match="Mapping with str keys"):
        register_client("https://as.example/reg", not_str_keys)
    with pytest.raises(InvalidEndpointUri, match="must use https"):
        register_client("http://as.example/reg", {})
    with pytest.raises(InvalidEndpointUri, match="must use https"):
        ClientRegistration({"client_id": "c", "registration_client_uri": "http://as.example/reg/c"})


def test_a_registration_without_management_values_cannot_be_managed() -> None:
    registration = ClientRegistration({"client_id": "c", "client_secret": "s"})
    with pytest.raises(RegistrationNotManageable, match="cannot be managed"):
        registration.update({})
    assert {"client_id": "c", "client_secret": "s"} == registration.as_dict()


@responses.activate
def test_a_success_that_is_not_client_information_is_an_error() -> None:
    """Stubbed: the real server never answers a registration with 201 and no client_id."""
    responses.post("https://as.example/reg", json={"client_name": "x"}, status=201)
    with pytest.raises(InvalidRegistrationResponse, match="without a client_id"):
        register_client("https://as.example/reg", {"client_name": "x"})
    sent = responses.calls[0].request
    assert "application/json" == sent.headers["Content-Type"]
    assert "Authorization" not in sent.headers  # no initial access token: no credentials


@responses.activate
def test_an_initial_access_token_is_sent_as_a_bearer_token() -> None:
    """Stubbed: the test server registers clients without an initial access token."""
    responses.post(
        "https://as.example/reg", json={"client_id": "new", "client_secret": "s"}, status=201
    )
    registration = register_client(
        "https://as.example/reg", {"client_name": "x"}, initial_access_token="iat-123"
    )
    assert "Bearer iat-123" == responses.calls[0].request.headers["Authorization"]
    assert "new" == registration.client_id
