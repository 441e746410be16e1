"""The seed API (requests_oauth2client 1.7.0) as oauth2kit keeps it: names, bases, signatures.

Also the seed's defaults spelled out, and per-client blocking behind the facade's methods.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests
from as_server import AuthServer
from o2k_builtins.authorization.errors import InvalidAcrValuesParam

import oauth2kit
from oauth2kit import (
    BearerToken,
    EndpointCall,
    InvalidParam,
    OAuth2Client,
    OAuth2KitError,
    PluginDisabled,
    PluginHost,
    PluginNotAvailable,
    hookimpl,
)

TOKEN_ENDPOINT = "https://as.example/token"


def client(**kwargs: Any) -> OAuth2Client:
    return OAuth2Client(TOKEN_ENDPOINT, client_id="c", client_secret="s", **kwargs)


# --- 1. public names ------------------------------------------------------------------------

# Seed exceptions (seed-api.md section 5) and the builtin bases they must keep.
SEED_BUILTIN_BASES: dict[str, tuple[type[BaseException], ...]] = {
    "MissingEndpointUri": (AttributeError,),
    "ExpiredAccessToken": (RuntimeError,),
    "InvalidRequestForClientAuthentication": (RuntimeError,),
    "UnsupportedClientCredentials": (TypeError, ValueError),
    "UnknownTokenType": (TypeError, ValueError),
    "UnknownActorTokenType": (TypeError, ValueError),
    "UnknownSubjectTokenType": (TypeError, ValueError),
    "InvalidAuthResponse": (ValueError,),
    "MismatchingIssuer": (ValueError,),
    "MismatchingState": (ValueError,),
    "MissingAuthCode": (ValueError,),
    "MissingIssuer": (ValueError,),
    "InvalidClientAssertionSigningKeyOrAlg": (ValueError,),
    "InvalidCodeVerifierParam": (ValueError,),
    "InvalidDiscoveryDocument": (ValueError,),
    "InvalidIdToken": (ValueError,),
    "ExpiredIdToken": (ValueError,),
    "MismatchingIdTokenAcr": (ValueError,),
    "MismatchingIdTokenAlg": (ValueError,),
    "MismatchingIdTokenAudience": (ValueError,),
    "MismatchingIdTokenAzp": (ValueError,),
    "MismatchingIdTokenIssuer": (ValueError,),
    "MismatchingIdTokenNonce": (ValueError,),
    "MissingIdToken": (ValueError,),
    "UnsupportedIdTokenAlg": (ValueError,),
    "InvalidMaxAgeParam": (ValueError,),
    "InvalidParam": (ValueError,),
    "InvalidBackchannelAuthenticationRequestHintParam": (ValueError,),
    "InvalidScopeParam": (ValueError,),
    "MissingIdTokenEncryptedResponseAlgParam": (ValueError,),
    "InvalidEndpointUri": (ValueError,),
    "InvalidIssuer": (ValueError,),
    "InvalidUri": (ValueError,),
    "MissingAuthRequestId": (ValueError,),
    "MissingDeviceCode": (ValueError,),
    "MissingIssuerParam": (ValueError,),
    "MissingRefreshToken": (ValueError,),
    "UnsupportedCodeChallengeMethod": (ValueError,),
    "UnsupportedResponseTypeParam": (ValueError,),
}

# Seed subclass relations among the library's own exceptions (seed-api.md section 5).
SEED_PARENTS: dict[str, str] = {
    "InvalidIssuer": "InvalidEndpointUri",
    "InvalidEndpointUri": "InvalidParam",
    "UnknownTokenType": "InvalidParam",
    "UnknownSubjectTokenType": "UnknownTokenType",
    "InvalidScopeParam": "InvalidParam",
    "MismatchingState": "InvalidAuthResponse",
    "MismatchingIssuer": "InvalidAuthResponse",
    "MissingAuthCode": "InvalidAuthResponse",
    "ExpiredIdToken": "InvalidIdToken",
    "MissingIdToken": "InvalidIdToken",
    "UnsupportedTokenType": "RevocationError",
    "RevocationError": "EndpointError",
    "AuthorizationPending": "TokenEndpointError",
    "SlowDown": "TokenEndpointError",
    "ExpiredToken": "TokenEndpointError",
    "InvalidTarget": "TokenEndpointError",
    "TokenEndpointError": "EndpointError",
    "EndpointError": "OAuth2Error",
    "InvalidTokenResponse": "OAuth2Error",
    "LoginRequired": "InteractionRequired",
    "AccountSelectionRequired": "InteractionRequired",
    "InteractionRequired": "AuthorizationResponseError",
}


@pytest.mark.parametrize(("name", "bases"), SEED_BUILTIN_BASES.items())
def test_a_seed_exception_keeps_its_builtin_bases(
    name: str, bases: tuple[type[BaseException], ...]
) -> None:
    """Each seed exception is importable from the root and keeps its builtin bases."""
    cls = getattr(oauth2kit, name)
    assert issubclass(cls, OAuth2KitError)
    for base in bases:
        assert issubclass(cls, base), f"{name} is not a {base.__name__}"


@pytest.mark.parametrize(("name", "parent"), SEED_PARENTS.items())
def test_a_seed_exception_keeps_its_seed_parent(name: str, parent: str) -> None:
    """Each seed exception subclasses the same library exception as in the seed."""
    assert issubclass(getattr(oauth2kit, name), getattr(oauth2kit, parent))


def test_invalid_acr_values_param_is_importable_from_the_root() -> None:
    """``from oauth2kit import InvalidAcrValuesParam`` works, as the seed and ciba.md say."""
    assert InvalidAcrValuesParam is oauth2kit.InvalidAcrValuesParam


@pytest.mark.parametrize("name", ["BearerTokenSerializer", "Endpoints", "GrantTypes"])
def test_a_seed_root_name_not_documented_as_left_out_is_importable(name: str) -> None:
    """A seed root name that no doc lists as left out (unlike DPoP, ApiClient) resolves."""
    assert isinstance(getattr(oauth2kit, name), type)


# --- 2. signatures ------------------------------------------------------------------------

# The seed constructor's parameters after `auth` (all keyword-only) and their defaults.
SEED_CONSTRUCTOR_DEFAULTS: dict[str, object] = {
    "client_id": None,
    "client_secret": None,
    "private_key": None,
    "revocation_endpoint": None,
    "introspection_endpoint": None,
    "userinfo_endpoint": None,
    "authorization_endpoint": None,
    "redirect_uri": None,
    "backchannel_authentication_endpoint": None,
    "device_authorization_endpoint": None,
    "pushed_authorization_request_endpoint": None,
    "jwks_uri": None,
    "authorization_server_jwks": None,
    "issuer": None,
    "id_token_signed_response_alg": "RS256",
    "id_token_encrypted_response_alg": None,
    "id_token_decryption_key": None,
    "code_challenge_method": "S256",
    "authorization_response_iss_parameter_supported": False,
    "token_class": BearerToken,
    "session": None,
    "dpop_bound_access_tokens": False,
    "dpop_key_generator": None,
    "dpop_alg": "ES256",
    "testing": False,
}

# Settings whose seed default oauth2kit gives when the argument is left out.
SEED_SETTING_DEFAULTS = {
    "id_token_signed_response_alg": "RS256",
    "code_challenge_method": "S256",
    "authorization_response_iss_parameter_supported": False,
    "id_token_encrypted_response_alg": None,
    "redirect_uri": None,
    "jwks_uri": None,
}


def test_the_constructor_takes_every_seed_argument_the_seed_way() -> None:
    """Every seed constructor argument exists: two positional, the rest keyword-only."""
    parameters = inspect.signature(OAuth2Client).parameters
    positional = [p.name for p in parameters.values() if p.kind is p.POSITIONAL_OR_KEYWORD]
    assert ["token_endpoint", "auth"] == positional
    assert parameters["auth"].default is None
    for name, seed_default in SEED_CONSTRUCTOR_DEFAULTS.items():
        assert name in parameters, name
        assert parameters[name].kind is inspect.Parameter.KEYWORD_ONLY, name
        # None means "left out": the owning plugin then supplies the seed's default.
        assert parameters[name].default in (None, seed_default), name
    assert any(p.kind is p.VAR_KEYWORD for p in parameters.values())  # **extra_metadata


@pytest.mark.parametrize(("name", "value"), SEED_SETTING_DEFAULTS.items())
def test_a_setting_left_out_has_the_seed_default(name: str, value: object) -> None:
    """A seed setting left out of the constructor reads as the seed's default."""
    assert value == getattr(client(), name)


# Seed methods: positional parameter names in order, keyword-only names (seed Appendix A).
SEED_METHODS: dict[str, tuple[list[str], list[str]]] = {
    "client_credentials": (["scope"], ["dpop", "dpop_key", "requests_kwargs"]),
    "authorization_code": (["code"], ["validate", "dpop", "dpop_key", "requests_kwargs"]),
    "refresh_token": (["refresh_token", "requests_kwargs"], []),
    "device_code": (["device_code"], ["dpop", "dpop_key", "requests_kwargs"]),
    "ciba": (["auth_req_id", "requests_kwargs"], []),
    "token_exchange": (
        [],
        [
            "subject_token",
            "subject_token_type",
            "actor_token",
            "actor_token_type",
            "requested_token_type",
            "dpop",
            "dpop_key",
            "requests_kwargs",
        ],
    ),
    "jwt_bearer": (["assertion"], ["dpop", "dpop_key", "requests_kwargs"]),
    "resource_owner_password": (
        ["username", "password"],
        ["dpop", "dpop_key", "requests_kwargs"],
    ),
    "pushed_authorization_request": (["authorization_request", "requests_kwargs"], []),
    "authorize_device": (["requests_kwargs"], []),
    "introspect_token": (["token", "token_type_hint", "requests_kwargs"], []),
    "revoke_token": (["token", "token_type_hint", "requests_kwargs"], []),
    "revoke_access_token": (["access_token", "requests_kwargs"], []),
    "revoke_refresh_token": (["refresh_token", "requests_kwargs"], []),
    "userinfo": (["access_token"], []),
    "update_authorization_server_public_keys": (["requests_kwargs"], []),
    "token_request": (["data"], ["dpop", "dpop_key"]),
}


@pytest.mark.parametrize(("name", "shape"), SEED_METHODS.items())
def test_a_seed_method_keeps_its_parameters(name: str, shape: tuple[list[str], list[str]]) -> None:
    """Each seed method has the seed's positional parameters in order and its keywords."""
    positional, keyword_only = shape
    parameters = inspect.signature(getattr(OAuth2Client, name)).parameters
    got = [p.name for p in parameters.values() if p.kind is p.POSITIONAL_OR_KEYWORD]
    assert ["self", *positional] == got
    for keyword in keyword_only:
        assert parameters[keyword].kind is inspect.Parameter.KEYWORD_ONLY, keyword


def test_classmethods_and_properties_keep_their_kind() -> None:
    """Seed classmethods stay classmethods and seed properties stay properties."""
    for name in ("from_discovery_endpoint", "from_discovery_document", "get_token_type"):
        assert isinstance(inspect.getattr_static(OAuth2Client, name), classmethod), name
    for name in ("client_id", "client_secret", "client_jwks"):
        assert isinstance(inspect.getattr_static(OAuth2Client, name), property), name
    parameters = inspect.signature(OAuth2Client.get_token_type).parameters
    assert ["token_type", "token"] == list(parameters)
    assert ["discovery", "issuer"] == list(
        inspect.signature(OAuth2Client.from_discovery_document).parameters
    )[:2]
    assert ["url", "issuer"] == list(
        inspect.signature(OAuth2Client.from_discovery_endpoint).parameters
    )[:2]


SEED_SUBCLASSING_HOOKS = [
    "parse_token_response",
    "on_token_error",
    "parse_pushed_authorization_response",
    "on_pushed_authorization_request_error",
    "parse_userinfo_response",
    "on_userinfo_error",
    "parse_revocation_response",
    "on_revocation_error",
    "parse_introspection_response",
    "on_introspection_error",
    "parse_backchannel_authentication_response",
    "on_backchannel_authentication_error",
    "parse_device_authorization_response",
    "on_device_authorization_error",
]


def test_the_seed_subclassing_methods_left_out_are_documented_with_their_hooks() -> None:
    """Each seed ``parse_*``/``on_*_error`` method that is gone is named in the differences page."""
    page = (Path(__file__).parent.parent / "docs" / "differences.md").read_text()
    gone = [name for name in SEED_SUBCLASSING_HOOKS if not hasattr(OAuth2Client, name)]
    assert gone, "the seed's subclassing methods came back: update docs/differences.md"
    assert [] == [name for name in gone if f"`{name}`" not in page]
    assert "`oauth2kit_parse_response`" in page
    assert "`oauth2kit_parse_error`" in page


# --- 4. per-client blocking -----------------------------------------------------------------

FACADE_CALLS: list[tuple[str, Callable[[OAuth2Client], object]]] = [
    ("grant.client_credentials", lambda c: c.client_credentials()),
    ("grant.authorization_code", lambda c: c.authorization_code("code")),
    ("grant.refresh_token", lambda c: c.refresh_token("rt")),
    ("grant.device_code", lambda c: c.device_code("dc")),
    ("grant.ciba", lambda c: c.ciba("id")),
    (
        "grant.token_exchange",
        lambda c: c.token_exchange(subject_token="t", subject_token_type="jwt"),
    ),
    ("grant.jwt_bearer", lambda c: c.jwt_bearer("a.b.c")),
    ("grant.password", lambda c: c.resource_owner_password("u", "p")),
    ("endpoint.authorization", lambda c: c.authorization_request()),
    ("endpoint.par", lambda c: c.pushed_authorization_request(object())),
    ("endpoint.device_authorization", lambda c: c.authorize_device()),
    ("endpoint.backchannel_authentication", lambda c: c.backchannel_authentication_request()),
    ("endpoint.introspection", lambda c: c.introspect_token("t")),
    ("endpoint.revocation", lambda c: c.revoke_token("t")),
    ("endpoint.revocation", lambda c: c.revoke_access_token("t")),
    ("endpoint.revocation", lambda c: c.revoke_refresh_token("t")),
    ("endpoint.userinfo", lambda c: c.userinfo("t")),
    ("oidc.jwks", lambda c: c.update_authorization_server_public_keys()),
    ("oidc.jwks", lambda c: c.client_jwks),
]


@pytest.mark.parametrize(("plugin", "call"), FACADE_CALLS)
def test_a_facade_method_of_a_plugin_blocked_for_the_client_names_it(
    plugin: str, call: Callable[[OAuth2Client], object]
) -> None:
    """A facade method whose plugin is blocked for the client raises PluginDisabled naming it."""
    c = client(disable_plugins=[plugin])
    with pytest.raises(PluginDisabled) as caught:
        call(c)
    assert (plugin,) == caught.value.plugins
    assert repr(plugin) in str(caught.value)


SETTING_PLUGINS = [
    ("endpoint.authorization", "redirect_uri"),
    ("endpoint.authorization", "code_challenge_method"),
    ("endpoint.authorization", "authorization_endpoint"),
    ("endpoint.revocation", "revocation_endpoint"),
    ("endpoint.introspection", "introspection_endpoint"),
    ("endpoint.userinfo", "userinfo_endpoint"),
    ("endpoint.par", "pushed_authorization_request_endpoint"),
    ("endpoint.device_authorization", "device_authorization_endpoint"),
    ("endpoint.backchannel_authentication", "backchannel_authentication_endpoint"),
    ("oidc.jwks", "jwks_uri"),
    ("oidc.id_token", "id_token_signed_response_alg"),
]


@pytest.mark.parametrize(("plugin", "setting"), SETTING_PLUGINS)
def test_a_setting_of_a_plugin_blocked_for_the_client_is_refused_in_the_constructor(
    plugin: str, setting: str
) -> None:
    """A seed setting passed to a client that blocks its plugin raises PluginDisabled."""
    value = "https://as.example/x" if setting.endswith(("_endpoint", "_uri")) else "RS256"
    with pytest.raises(PluginDisabled, match=rf"'{plugin}'"):
        client(disable_plugins=[plugin], **{setting: value})


@pytest.mark.parametrize(("plugin", "setting"), SETTING_PLUGINS)
def test_a_setting_of_a_plugin_blocked_for_the_client_read_as_an_attribute_names_it(
    plugin: str, setting: str
) -> None:
    """``client.<setting>`` of a blocked plugin raises PluginDisabled, still an AttributeError."""
    c = client(disable_plugins=[plugin])
    with pytest.raises(PluginDisabled, match=rf"'{plugin}'"):
        getattr(c, setting)
    assert not hasattr(c, setting)


def test_from_discovery_document_uses_the_host_it_is_given() -> None:
    """With ``plugins=`` a host that blocks ``endpoint.discovery``, the class method refuses."""
    host = PluginHost(disable=["endpoint.discovery"])
    document = {"issuer": "https://as.example", "token_endpoint": TOKEN_ENDPOINT}
    with pytest.raises(PluginNotAvailable, match=r"endpoint\.discovery"):
        OAuth2Client.from_discovery_document(document, client_id="c", plugins=host)


# --- 3. behaviours --------------------------------------------------------------------------


def test_pushing_something_that_is_not_a_request_is_an_oauth2kit_error() -> None:
    """``pushed_authorization_request(None)`` raises InvalidParam, not a stray TypeError."""
    c = client(pushed_authorization_request_endpoint="https://as.example/par")
    with pytest.raises(InvalidParam, match="expected an AuthorizationRequest"):
        c.pushed_authorization_request(None)


def test_the_seed_default_dpop_bound_access_tokens_false_is_accepted() -> None:
    """Passing the seed's own default ``dpop_bound_access_tokens=False`` builds a client."""
    assert client(dpop_bound_access_tokens=False).client_id == "c"


@pytest.mark.integration
def test_a_token_request_with_dpop_false_needs_no_dpop_plugin(auth_server: AuthServer) -> None:
    """``client_credentials(dpop=False)`` asks for a plain Bearer token, as in the seed."""
    c = OAuth2Client(auth_server.token_endpoint, auth=("cc-post", "cc-post-secret"))
    token = c.client_credentials(scope="api:read", dpop=False)
    assert isinstance(token, BearerToken)
    assert "Bearer" == token.token_type


class _Calls:
    """Records the endpoint of every call the client makes."""

    def __init__(self) -> None:
        self.endpoints: list[str] = []

    @hookimpl
    def oauth2kit_prepare_request(self, call: EndpointCall) -> None:
        self.endpoints.append(call.endpoint)


@pytest.mark.integration
def test_entering_the_client_sends_nothing_and_leaving_it_closes_the_session(
    auth_server: AuthServer,
) -> None:
    """``with client:`` fetches no keys on entry (docs/differences.md); exit closes the session."""
    closed: list[bool] = []

    class Session(requests.Session):
        def close(self) -> None:
            closed.append(True)
            super().close()

    calls = _Calls()
    host = PluginHost()
    host.register(calls, name="test.calls")
    c = OAuth2Client(
        auth_server.token_endpoint,
        auth=("cc-post", "cc-post-secret"),
        jwks_uri=auth_server.discovery["jwks_uri"],
        session=Session(),
        plugins=host,
    )
    with c:
        assert [] == calls.endpoints
        c.client_credentials(scope="api:read")
        assert [] == closed
    assert (["token_endpoint"], [True]) == (calls.endpoints, closed)
