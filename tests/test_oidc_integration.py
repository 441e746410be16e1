"""ID tokens end to end: the code flow against the real test server, every key type it has.

The server signs ID tokens RS256 by default, PS256, ES256, EdDSA or HS256 for the
``idt-*`` clients, and encrypts them (RSA-OAEP-256, A256GCM) for ``enc-client``. The
authorization code grant validates each one by itself; the negative cases here change what
the client expects (a plugin's expected issuer, another nonce), since the server itself
issues only valid tokens.
"""

from __future__ import annotations

from typing import Any

import pytest
from as_server import REDIRECT_URI, AuthServer

from oauth2kit import (
    AuthorizationResponse,
    BearerToken,
    IdToken,
    InvalidIdToken,
    JwksCache,
    MismatchingIdTokenAlg,
    MismatchingIdTokenIssuer,
    MismatchingIdTokenNonce,
    OAuth2Client,
    PluginHost,
    hookimpl,
)

pytestmark = pytest.mark.integration

HS_SECRET = "-secret-that-is-long-enough-for-hs256"
SECRETS = {
    "web-basic": "web-basic-secret",
    "enc-client": "enc-client-secret",
    **{f"idt-{alg}": f"idt-{alg}{HS_SECRET}" for alg in ("ps256", "es256", "eddsa", "hs256")},
}


def oidc_client(server: AuthServer, client_id: str, **settings: Any) -> OAuth2Client:
    """A client of `server` for the code flow, with its issuer and jwks_uri."""
    return OAuth2Client(
        server.token_endpoint,
        auth=(client_id, SECRETS[client_id]),
        token_endpoint_auth_method="client_secret_basic",
        authorization_endpoint=server.discovery["authorization_endpoint"],
        redirect_uri=REDIRECT_URI,
        issuer=server.issuer,
        jwks_uri=server.discovery["jwks_uri"],
        **settings,
    )


def code_flow(
    server: AuthServer, client: OAuth2Client, **request: Any
) -> tuple[BearerToken, AuthorizationResponse]:
    """Log in, consent, exchange the code (which validates the ID token)."""
    request.setdefault("scope", "openid profile")
    authorization = client.authorization_request(**request)
    azr = authorization.validate_callback(server.authorize(str(authorization)))
    return client.authorization_code(azr), azr


@pytest.mark.parametrize(
    ("client_id", "alg"),
    [
        ("web-basic", "RS256"),
        ("idt-ps256", "PS256"),
        ("idt-es256", "ES256"),
        ("idt-eddsa", "EdDSA"),
        ("idt-hs256", "HS256"),
    ],
)
def test_id_tokens_of_every_key_type_validate(
    auth_server: AuthServer, client_id: str, alg: str
) -> None:
    client = oidc_client(auth_server, client_id, id_token_signed_response_alg=alg)
    token, azr = code_flow(auth_server, client)
    validated: Any = token.validate_id_token(client, azr)
    id_token = validated.id_token
    assert isinstance(id_token, IdToken)
    assert (id_token.alg, id_token.issuer, id_token.subject) == (alg, auth_server.issuer, "alice")
    assert id_token.nonce == azr.nonce
    assert id_token.audiences == [client_id]
    assert validated.access_token == token.access_token


def test_a_registered_alg_other_than_the_servers_is_refused(auth_server: AuthServer) -> None:
    client = oidc_client(auth_server, "idt-es256")  # expects RS256, the server signs ES256
    with pytest.raises(MismatchingIdTokenAlg):
        code_flow(auth_server, client)


def test_encrypted_id_tokens_are_decrypted(auth_server: AuthServer) -> None:
    client = oidc_client(
        auth_server,
        "enc-client",
        id_token_decryption_key=auth_server.client_jwk("enc-client"),
        id_token_encrypted_response_enc="A256GCM",
    )
    token, _ = code_flow(auth_server, client)
    # The code flow validated it, and returned the token with its ID token decrypted: the
    # server sent a JWE (five parts), the token holds the signed JWT inside (three).
    validated: Any = token
    assert validated.id_token.count(".") == 2
    assert validated.id_token.subject == "alice"
    without_key = oidc_client(auth_server, "enc-client")
    with pytest.raises(InvalidIdToken, match="encrypted while it should be clear-text"):
        code_flow(auth_server, without_key)


def test_the_code_flow_validates_by_itself_through_the_hooks(auth_server: AuthServer) -> None:
    seen: list[str] = []

    class Observer:
        @hookimpl
        def oauth2kit_validate_id_token(self, claims: Any) -> None:
            seen.append(claims["sub"])

    class WrongIssuer:
        @hookimpl
        def oauth2kit_expected_issuer(self, client: OAuth2Client) -> str | None:
            return "https://evil.example" if client.client_id == "web-basic" else None

    host = PluginHost()
    host.register(Observer(), name="example.observer")
    code_flow(auth_server, oidc_client(auth_server, "web-basic", plugins=host))
    assert seen == ["alice"]
    host.register(WrongIssuer(), name="example.wrong-issuer")
    with pytest.raises(MismatchingIdTokenIssuer) as caught:
        code_flow(auth_server, oidc_client(auth_server, "web-basic", plugins=host))
    assert caught.value.expected == "https://evil.example"
    assert caught.value.received == auth_server.issuer


def test_a_response_with_another_nonce_is_refused(auth_server: AuthServer) -> None:
    client = oidc_client(auth_server, "web-basic")
    authorization = client.authorization_request(scope="openid")
    azr = authorization.validate_callback(auth_server.authorize(str(authorization)))
    forged = AuthorizationResponse(
        code=azr.code,
        redirect_uri=azr.redirect_uri,
        code_verifier=azr.code_verifier,
        nonce="another-nonce",
        issuer=azr.issuer,
    )
    with pytest.raises(MismatchingIdTokenNonce):
        client.authorization_code(forged)


def test_max_age_and_auth_time(auth_server: AuthServer) -> None:
    client = oidc_client(auth_server, "web-basic")
    token, azr = code_flow(auth_server, client, max_age=300)
    assert azr.max_age == 300
    validated: Any = token.validate_id_token(client, azr)
    assert isinstance(validated.id_token.auth_time, int)
    assert validated.id_token.auth_datetime is not None


def test_validation_can_be_skipped_and_keys_kept_in_a_shared_cache(
    auth_server: AuthServer,
) -> None:
    cache = JwksCache()
    client = oidc_client(auth_server, "web-basic", jwks_cache=cache)
    authorization = client.authorization_request(scope="openid")
    azr = authorization.validate_callback(auth_server.authorize(str(authorization)))
    token = client.authorization_code(azr, validate=False)
    assert cache.fetches == 0
    validated: Any = token.validate_id_token(client, azr)
    assert validated.id_token.subject == "alice"
    other = oidc_client(auth_server, "web-basic", jwks_cache=cache)
    code_flow(auth_server, other)
    assert cache.fetches == 1
    restored = JwksCache()
    restored.import_(cache.export())
    code_flow(auth_server, oidc_client(auth_server, "web-basic", jwks_cache=restored))
    assert restored.fetches == 0
