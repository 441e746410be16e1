"""The token exchange grant (RFC 8693) and token type names, against the real test server.

The test server's exchange accepts access tokens of its own as subject and actor tokens, and
issues a token whose ``sub`` (and ``act.sub``) show at ``/test/protected``.
"""

from __future__ import annotations

from typing import Any

import pytest
import requests
from as_server import AuthServer
from o2k_builtins.grants.token_exchange import TokenExchangeGrant

from oauth2kit import (
    BearerToken,
    InvalidGrant,
    InvalidParam,
    OAuth2Client,
    PluginHost,
    UnknownActorTokenType,
    UnknownSubjectTokenType,
    UnknownTokenType,
    hookimpl,
    set_default_host,
)

URN = "urn:ietf:params:oauth:token-type:"
ACCESS = URN + "access_token"


# --- token type names --------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["access_token", "refresh_token", "id_token", "saml1", "saml2", "jwt"]
)
def test_short_names_expand_to_their_urns(name: str) -> None:
    assert URN + name == OAuth2Client.get_token_type(name)


@pytest.mark.parametrize(
    "uri", [URN + "jwt", "urn:example:token-type:custom", "https://tt.example/x"]
)
def test_absolute_uris_pass_through(uri: str) -> None:
    assert uri == OAuth2Client.get_token_type(uri)


@pytest.mark.parametrize("name", ["acces_token", "Access_Token", "", "bearer", 42])
def test_an_unknown_name_is_refused(name: Any) -> None:
    with pytest.raises(UnknownTokenType, match="unknown token type") as caught:
        OAuth2Client.get_token_type(name)
    assert isinstance(caught.value, InvalidParam)
    assert isinstance(caught.value, TypeError)


def test_types_are_guessed_only_when_they_can_be() -> None:
    assert ACCESS == OAuth2Client.get_token_type(token=BearerToken("at"))
    with pytest.raises(UnknownTokenType, match="cannot guess the type of a str"):
        OAuth2Client.get_token_type(token="at")
    with pytest.raises(UnknownTokenType, match="pass a token type"):
        OAuth2Client.get_token_type()


def test_a_type_must_fit_its_token() -> None:
    with pytest.raises(UnknownTokenType, match="does not contain a refresh_token"):
        OAuth2Client.get_token_type("refresh_token", BearerToken("at"))
    assert URN + "refresh_token" == OAuth2Client.get_token_type(
        "refresh_token", BearerToken("at", refresh_token="rt")
    )
    with pytest.raises(UnknownTokenType, match="token is of type '<class 'int'>'"):
        OAuth2Client.get_token_type("access_token", 42)


class IdToken:
    """A stand-in for the OpenID Connect plugin's ID token class."""

    def __init__(self, value: str) -> None:
        self.value = value

    def __str__(self) -> str:
        return self.value


class IdTokenPlugin:
    @hookimpl
    def oauth2kit_register_extensions(self, registry: Any) -> None:
        registry.add("IdToken", IdToken)


@pytest.fixture
def host_with_id_tokens() -> Any:
    host = PluginHost()
    assert "loaded" == host.register(IdTokenPlugin(), name="test.id_token").status
    set_default_host(host)
    yield host
    set_default_host(None)


def test_id_tokens_of_the_oidc_plugin_are_recognized(host_with_id_tokens: PluginHost) -> None:
    id_token = IdToken("eyJhbGciOiJSUzI1NiJ9.e30.c2ln")
    assert URN + "id_token" == OAuth2Client.get_token_type(token=id_token)
    assert URN + "jwt" == OAuth2Client.get_token_type("jwt", id_token)
    with pytest.raises(UnknownTokenType, match=r"token is of type '<class '.*IdToken'>'"):
        OAuth2Client.get_token_type("access_token", id_token)

    client = OAuth2Client("https://as.example/token", auth="c", plugins=host_with_id_tokens)
    fields = TokenExchangeGrant().build(
        client, {"subject_token": id_token, "actor_token": BearerToken("actor-at")}
    )
    assert {
        "subject_token": "eyJhbGciOiJSUzI1NiJ9.e30.c2ln",
        "subject_token_type": URN + "id_token",
        "actor_token": "actor-at",
        "actor_token_type": ACCESS,
    } == fields


def test_a_bearer_token_gives_the_member_its_type_names() -> None:
    client = OAuth2Client("https://as.example/token", auth="c")
    token = BearerToken("at", refresh_token="rt", id_token="eyJhbGciOiJSUzI1NiJ9.e30.c2ln")
    for name, value in (
        ("access_token", "at"),
        ("refresh_token", "rt"),
        ("id_token", token.id_token),
    ):
        fields = TokenExchangeGrant().build(
            client, {"subject_token": token, "subject_token_type": name}
        )
        assert (value, URN + name) == (fields["subject_token"], fields["subject_token_type"])


def test_bad_requests_are_refused_before_sending() -> None:
    client = OAuth2Client("https://as.example/token", auth="c")
    with pytest.raises(UnknownSubjectTokenType, match="cannot guess"):
        client.token_exchange(subject_token="opaque")
    with pytest.raises(UnknownActorTokenType, match="unknown token type 'acces_token'"):
        client.token_exchange(
            subject_token=BearerToken("at"), actor_token="x", actor_token_type="acces_token"
        )
    with pytest.raises(InvalidParam, match="actor_token_type was given without an actor_token"):
        client.token_exchange(subject_token=BearerToken("at"), actor_token_type="access_token")
    with pytest.raises(UnknownTokenType, match="unknown token type 'acces_token'"):
        client.token_exchange(subject_token=BearerToken("at"), requested_token_type="acces_token")
    with pytest.raises(InvalidParam, match="needs a subject_token"):
        client.grant("token_exchange")


# --- end to end ------------------------------------------------------------------------------


def _protected(server: AuthServer, token: BearerToken) -> dict[str, Any]:
    response = requests.get(server.url("/test/protected"), auth=token, timeout=10)
    response.raise_for_status()
    info: dict[str, Any] = response.json()
    return info


def _user_token(
    server: AuthServer, username: str, scope: str = "api:read api:write"
) -> BearerToken:
    client = OAuth2Client(server.token_endpoint, auth=("ropc-client", "ropc-client-secret"))
    return client.resource_owner_password(username, f"{username}-password", scope=scope)


@pytest.fixture
def exchanger(auth_server: AuthServer) -> OAuth2Client:
    return OAuth2Client(
        auth_server.token_endpoint,
        auth=("exchanger", "exchanger-secret"),
        token_endpoint_auth_method="client_secret_basic",
    )


@pytest.mark.integration
def test_exchange_a_users_token_guessing_its_type(
    auth_server: AuthServer, exchanger: OAuth2Client
) -> None:
    subject = _user_token(auth_server, "carol")
    token = exchanger.token_exchange(
        subject_token=subject, scope=["api:read"], requested_token_type="access_token"
    )
    assert token.access_token != subject.access_token
    assert ACCESS == token.issued_token_type == token["issued_token_type"]
    assert "api:read" == token.scope
    info = _protected(auth_server, token)
    assert ("exchanger", "carol", None) == (info["client_id"], info["sub"], info["act"])


@pytest.mark.integration
def test_exchange_with_an_actor_token_and_short_names(
    auth_server: AuthServer, exchanger: OAuth2Client
) -> None:
    subject, actor = _user_token(auth_server, "dave"), _user_token(auth_server, "erin")
    token = exchanger.token_exchange(
        subject_token=subject.access_token,
        subject_token_type="access_token",
        actor_token=actor,
        actor_token_type=ACCESS,
    )
    info = _protected(auth_server, token)
    assert ("dave", {"sub": "erin"}) == (info["sub"], info["act"])


@pytest.mark.integration
def test_server_errors_and_refusals_before_sending(
    auth_server: AuthServer, exchanger: OAuth2Client
) -> None:
    with pytest.raises(InvalidGrant):
        exchanger.token_exchange(subject_token="not-a-token", subject_token_type="access_token")
    before = auth_server.token_requests("exchanger")
    with pytest.raises(UnknownSubjectTokenType):
        exchanger.token_exchange(subject_token="x", subject_token_type="acces_token")
    assert before == auth_server.token_requests("exchanger")  # the typo never left the client
