"""The seed's root names that the built-ins add: where each comes from, and what it holds.

`InvalidAcrValuesParam` (``endpoint.authorization``), `GrantTypes` (``grant.names``),
`Endpoints` (``endpoint.names``), `BearerTokenSerializer` (``token.serializer``, tested in
``test_token_serializer.py``) and the JOSE algorithm names (``oidc.algorithms``).
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest
from as_server import AuthServer

import oauth2kit
from oauth2kit import (
    BearerTokenSerializer,
    EncryptionAlgs,
    Endpoints,
    GrantTypes,
    InvalidAcrValuesParam,
    InvalidParam,
    KeyManagementAlgs,
    OAuth2Client,
    PluginHost,
    PluginNotAvailable,
    SignatureAlgs,
    jose,
)

TOKEN_ENDPOINT = "https://as.example/token"

PROVIDERS = {
    "InvalidAcrValuesParam": "endpoint.authorization",
    "GrantTypes": "grant.names",
    "Endpoints": "endpoint.names",
    "BearerTokenSerializer": "token.serializer",
    "InvalidSerializedToken": "token.serializer",
    "SignatureAlgs": "oidc.algorithms",
    "KeyManagementAlgs": "oidc.algorithms",
    "EncryptionAlgs": "oidc.algorithms",
}


def constants(cls: type) -> dict[str, Any]:
    """The public class attributes of `cls`: its constants and groups."""
    return {name: value for name, value in vars(cls).items() if not name.startswith("_")}


# --- where the names come from -----------------------------------------------------------------


@pytest.mark.parametrize(("name", "plugin"), sorted(PROVIDERS.items()))
def test_each_name_is_exported_by_the_plugin_that_owns_it(name: str, plugin: str) -> None:
    host = PluginHost()
    entry = host.extensions.entry(name)
    assert plugin == entry.plugin
    assert entry.value is getattr(oauth2kit, name)


def test_blocking_a_names_plugin_removes_the_name_and_nothing_else() -> None:
    host = PluginHost(disable=["grant.names"])
    with pytest.raises(PluginNotAvailable, match="GrantTypes"):
        host.extensions.get("GrantTypes")
    # The grants stand on their own: only the enum went.
    assert "client_credentials" == host.grant_types.get("client_credentials").grant_type


def test_the_names_import_their_plugin_alone_and_no_cryptography() -> None:
    code = (
        "import sys, oauth2kit\n"
        "oauth2kit.GrantTypes, oauth2kit.Endpoints, oauth2kit.SignatureAlgs\n"
        "print(sorted(m for m in sys.modules if m.startswith(('o2k_builtins.grants.',"
        " 'o2k_builtins.endpoints.', 'o2k_builtins.oidc.', 'cryptography'))))"
    )
    shown = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    expected = ["o2k_builtins.endpoints.names", "o2k_builtins.grants.names"]
    assert [*expected, "o2k_builtins.oidc.algorithms"] == json.loads(shown.replace("'", '"'))


# --- InvalidAcrValuesParam ---------------------------------------------------------------------


def test_the_authorization_plugin_raises_the_exported_acr_values_error() -> None:
    client = OAuth2Client(
        TOKEN_ENDPOINT,
        client_id="c",
        client_secret="s",
        authorization_endpoint="https://as.example/authorize",
        redirect_uri="https://app.example/cb",
    )
    with pytest.raises(oauth2kit.InvalidAcrValuesParam, match="Invalid 'acr_values'") as caught:
        client.authorization_request(acr_values=5)
    assert 5 == caught.value.acr_values
    assert isinstance(caught.value, InvalidParam)
    assert isinstance(caught.value, ValueError)
    # A valid value goes out space-separated.
    request = client.authorization_request(acr_values=["loa1", "loa2"])
    assert "acr_values=loa1+loa2" in request.uri
    assert issubclass(InvalidAcrValuesParam, InvalidParam)


# --- GrantTypes --------------------------------------------------------------------------------

SEED_GRANT_TYPES = {
    "CLIENT_CREDENTIALS": "client_credentials",
    "AUTHORIZATION_CODE": "authorization_code",
    "REFRESH_TOKEN": "refresh_token",
    "RESOURCE_OWNER_PASSWORD": "password",
    "TOKEN_EXCHANGE": "urn:ietf:params:oauth:grant-type:token-exchange",
    "JWT_BEARER": "urn:ietf:params:oauth:grant-type:jwt-bearer",
    "CLIENT_INITIATED_BACKCHANNEL_AUTHENTICATION": "urn:openid:params:grant-type:ciba",
    "DEVICE_CODE": "urn:ietf:params:oauth:grant-type:device_code",
}


def test_grant_types_has_the_seeds_members_and_values() -> None:
    assert SEED_GRANT_TYPES == {member.name: member.value for member in GrantTypes}


def test_grant_types_members_are_strs() -> None:
    assert isinstance(GrantTypes.CLIENT_CREDENTIALS, str)
    value: str = GrantTypes.CLIENT_CREDENTIALS  # compared as the str it stands in for
    assert "client_credentials" == value
    assert "password" == str(GrantTypes.RESOURCE_OWNER_PASSWORD)
    assert "grant_type=password" == f"grant_type={GrantTypes.RESOURCE_OWNER_PASSWORD}"
    assert '"refresh_token"' == json.dumps(GrantTypes.REFRESH_TOKEN)
    assert GrantTypes("password") is GrantTypes.RESOURCE_OWNER_PASSWORD


def test_grant_types_lists_what_the_builtin_grants_send() -> None:
    host = PluginHost()
    host.load_all()
    sent = {
        entry.value.grant_type for entry in host.grant_types if entry.plugin.startswith("grant.")
    }
    assert set(GrantTypes) == sent


@pytest.mark.integration
def test_a_grant_type_value_works_as_the_grant_type_field(auth_server: AuthServer) -> None:
    client = OAuth2Client(auth_server.token_endpoint, auth=("cc-basic", "cc-basic-secret"))
    token = client.token_request({"grant_type": GrantTypes.CLIENT_CREDENTIALS, "scope": "api:read"})
    assert "api:read" == token.scope


# --- Endpoints ---------------------------------------------------------------------------------

SEED_ENDPOINTS = {
    "TOKEN": "token_endpoint",
    "AUTHORIZATION": "authorization_endpoint",
    "BACKCHANNEL_AUTHENTICATION": "backchannel_authentication_endpoint",
    "DEVICE_AUTHORIZATION": "device_authorization_endpoint",
    "INTROSPECTION": "introspection_endpoint",
    "REVOCATION": "revocation_endpoint",
    "PUSHED_AUTHORIZATION_REQUEST": "pushed_authorization_request_endpoint",
    "JWKS": "jwks_uri",
    "USER_INFO": "userinfo_endpoint",
}


def test_endpoints_has_the_seeds_members_and_values() -> None:
    assert SEED_ENDPOINTS == {member.name: member.value for member in Endpoints}
    value: str = Endpoints.TOKEN
    assert "token_endpoint" == value
    assert "jwks_uri" == str(Endpoints.JWKS)


@pytest.mark.parametrize("endpoint", [e for e in Endpoints if e is not Endpoints.TOKEN])
def test_each_endpoint_is_a_builtin_endpoint_setting(endpoint: Endpoints) -> None:
    # The token endpoint is the kernel's; every other one is a plugin's endpoint setting.
    assert PluginHost().settings.get(endpoint).endpoint is True


def test_an_endpoint_member_names_the_clients_endpoint() -> None:
    client = OAuth2Client(
        TOKEN_ENDPOINT,
        client_id="c",
        client_secret="s",
        revocation_endpoint="https://as.example/revoke",
    )
    assert "https://as.example/revoke" == client.endpoint_uri(Endpoints.REVOCATION)
    assert TOKEN_ENDPOINT == client.endpoint_uri(Endpoints.TOKEN)


# --- JOSE algorithm names ----------------------------------------------------------------------

SEED_SIGNATURE_ALGS = {
    **{name: name for name in ("HS256", "HS384", "HS512", "RS256", "RS384", "RS512")},
    **{name: name for name in ("PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA")},
    "ES256k": "ES256K",  # the seed's name, RFC 8812's value
}
SEED_KEY_MANAGEMENT_ALGS = {
    "RSA_OAEP": "RSA-OAEP",
    "RSA_OAEP_256": "RSA-OAEP-256",
    "ECDH_ES": "ECDH-ES",
    "ECDH_ES_A128KW": "ECDH-ES+A128KW",
    "ECDH_ES_A192KW": "ECDH-ES+A192KW",
    "ECDH_ES_A256KW": "ECDH-ES+A256KW",
    "A128KW": "A128KW",
    "A192KW": "A192KW",
    "A256KW": "A256KW",
    "dir": "dir",
}
SEED_ENCRYPTION_ALGS = {
    "A128CBC_HS256": "A128CBC-HS256",
    "A192CBC_HS384": "A192CBC-HS384",
    "A256CBC_HS512": "A256CBC-HS512",
    "A128GCM": "A128GCM",
    "A192GCM": "A192GCM",
    "A256GCM": "A256GCM",
}


@pytest.mark.parametrize(
    ("cls", "members", "facade"),
    [
        (SignatureAlgs, SEED_SIGNATURE_ALGS, jose.SIGNATURE_ALGS),
        (KeyManagementAlgs, SEED_KEY_MANAGEMENT_ALGS, jose.KEY_MANAGEMENT_ALGS),
        (EncryptionAlgs, SEED_ENCRYPTION_ALGS, jose.CONTENT_ENCRYPTION_ALGS),
    ],
)
def test_the_alg_names_are_the_facades_algorithms_under_the_seeds_names(
    cls: type, members: dict[str, str], facade: dict[str, Any]
) -> None:
    found = constants(cls)
    algs = {name: value for name, value in found.items() if isinstance(value, str)}
    assert members == algs
    assert set(facade) == found["ALL"]
    groups = [value for name, value in found.items() if name.startswith("ALL")]
    assert all(isinstance(group, frozenset) and group <= found["ALL"] for group in groups)


def test_the_alg_groups_split_the_algorithms() -> None:
    assert SignatureAlgs.ALL_SYMMETRIC.isdisjoint(SignatureAlgs.ALL_ASYMMETRIC)
    assert {"HS256", "HS384", "HS512"} == SignatureAlgs.ALL_SYMMETRIC
    assert SignatureAlgs.ALL == SignatureAlgs.ALL_SYMMETRIC | SignatureAlgs.ALL_ASYMMETRIC
    assert KeyManagementAlgs.ALL_SYMMETRIC.isdisjoint(KeyManagementAlgs.ALL_ASYMMETRIC)
    assert {"A128KW", "A192KW", "A256KW", "dir"} == KeyManagementAlgs.ALL_SYMMETRIC
    assert EncryptionAlgs.ALL == EncryptionAlgs.ALL_AESGCM | EncryptionAlgs.ALL_AESCBC_HMAC


def test_algorithms_the_facade_refuses_have_no_constant() -> None:
    for name in ("RSA1_5", "RSA_OAEP_384", "A128GCMKW", "PBES2_HS256_A128KW", "ALL_AESGCM"):
        assert not hasattr(KeyManagementAlgs, name), name


def test_the_renamed_secp256k1_constant_signs_and_verifies() -> None:
    key = jose.generate_key(SignatureAlgs.ES256k)
    token = jose.sign_jwt({"sub": "alice"}, key, alg=SignatureAlgs.ES256k)
    verified = jose.verify_jwt(token, key.public_key(), algs=[SignatureAlgs.ES256k])
    assert "ES256K" == verified.header["alg"]


def test_a_seed_alg_constant_configures_the_client() -> None:
    client = OAuth2Client(
        TOKEN_ENDPOINT,
        client_id="c",
        client_secret="s",
        id_token_signed_response_alg=SignatureAlgs.ES256,
    )
    assert "ES256" == client.id_token_signed_response_alg


def test_the_serializer_is_a_class_with_the_seeds_methods() -> None:
    for name in ("dumps", "loads", "default_dumper", "default_loader"):
        assert callable(getattr(BearerTokenSerializer, name)), name
