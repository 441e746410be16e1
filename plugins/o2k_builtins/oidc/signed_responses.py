"""Signed (and encrypted) server responses: entry point ``oidc.signed_responses``.

- JARM (JWT-secured authorization responses): with ``response_mode`` ``jwt``,
  ``query.jwt``, ``fragment.jwt`` or ``form_post.jwt`` the callback carries one parameter,
  ``response``, a JWT. ``AuthorizationRequest.validate_callback()`` hands it to the
  operation ``decode_jarm_response``, which checks its signature, ``iss``, ``aud`` and
  ``exp`` and returns the parameters inside; then the usual checks (state, error, code)
  run on those, before the code is ever used.
- UserInfo answers in ``application/jwt`` (OpenID Connect Core 5.3.2): verified (and
  decrypted), ``iss`` and ``aud`` checked, and ``sub`` checked against the ID token of the
  access token they were asked with, when it has one. The result is the claims.
- Introspection answers in ``application/token-introspection+jwt`` (RFC 9701), asked for
  with ``Accept`` whenever ``introspection_signed_response_alg`` is set: verified, ``typ``,
  ``iss`` and ``aud`` checked; the result is the ``token_introspection`` member.

The server's keys come from the ``authorization_server_keys`` operation; HS256/384/512
responses are verified with the client secret, encrypted ones decrypted with
``id_token_decryption_key`` (the client's one decryption key). The settings are those of
OpenID Connect registration: ``{authorization,userinfo,introspection}_signed_response_alg``,
``..._encrypted_response_alg`` and ``..._encrypted_response_enc``. Without a signing alg,
any asymmetric alg that the server's chosen key fits is accepted.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Final

from o2k_builtins.oidc.errors import InvalidJarmResponse, InvalidSignedResponse
from o2k_builtins.oidc.id_token import DEFAULT_ENC, IdToken, client_secret_key
from o2k_builtins.oidc.jwks import verified_by_server
from oauth2kit import (
    BearerToken,
    InvalidParam,
    MissingEndpointUri,
    PluginNotAvailable,
    Setting,
    hookimpl,
    jose,
)

if TYPE_CHECKING:
    from collections.abc import Mapping

    from oauth2kit import EndpointCall, EndpointResponse, OAuth2Client, Registry

USERINFO: Final = "userinfo_endpoint"
INTROSPECTION: Final = "introspection_endpoint"
USERINFO_JWT: Final = "application/jwt"
INTROSPECTION_JWT: Final = "application/token-introspection+jwt"
JARM_MODES: Final = frozenset({"jwt", "query.jwt", "fragment.jwt", "form_post.jwt"})
ASYMMETRIC_ALGS: Final = tuple(alg for alg in jose.SIGNATURE_ALGS if not alg.startswith("HS"))
_PREFIXES: Final = ("authorization", "userinfo", "introspection")
_JWE_DOTS: Final = 4

Fail = Callable[[str], Exception]


def _setting(client: OAuth2Client, name: str, default: Any = None) -> Any:
    try:
        return client.setting(name)
    except PluginNotAvailable:  # the ID token plugin (decryption key, leeway) is blocked
        return default


def decoded_response_jwt(
    client: OAuth2Client, token: str, prefix: str, fail: Fail, *, exp_required: bool = False
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Decrypt (as registered), verify and check a server-signed response JWT.

    Checks the signature (``{prefix}_signed_response_alg``, or any asymmetric alg), ``iss``
    (the expected issuer), ``aud`` (the client_id) and ``exp``/``nbf``/``iat``.

    Returns:
        The JWS header and the claims.

    Raises:
        What `fail` makes of the message, for any failure.
    """
    if not isinstance(token, str):
        raise fail("the response is not a compact JWT")
    enc_alg = client.setting(f"{prefix}_encrypted_response_alg")
    if (token.count(".") == _JWE_DOTS) != (enc_alg is not None):
        raise fail(
            "the response is encrypted, but no encryption is registered"
            if enc_alg is None
            else "the response is not encrypted, but encryption is registered"
        )
    if enc_alg is not None:
        token = _decrypted(client, token, prefix, enc_alg, fail)
    header, claims = _verified(client, token, client.setting(f"{prefix}_signed_response_alg"), fail)
    iss = claims.get("iss")
    received = iss if type(iss) is str else None  # the hook is promised a str or None
    expected = client.hook("oauth2kit_expected_issuer", client=client, received=received)
    expected = expected or client.issuer
    if expected is None or iss != expected:
        raise fail(f"mismatching 'iss': received {iss!r}, expected {expected!r}")
    aud = claims.get("aud")
    if client.client_id not in (
        [aud] if isinstance(aud, str) else aud if isinstance(aud, list) else []
    ):
        raise fail(f"mismatching 'aud': {aud!r} does not contain {client.client_id!r}")
    try:
        jose.check_time_claims(
            claims,
            leeway=_setting(client, "jwt_leeway", 0.0),
            required=("exp",) if exp_required else (),
        )
    except jose.ClaimsError as exc:
        raise fail(f"the response JWT is not valid now: {exc}") from None
    return header, claims


def _verified(
    client: OAuth2Client, token: str, alg: str | None, fail: Fail
) -> tuple[dict[str, Any], dict[str, Any]]:
    keys = None
    try:
        if alg is not None and alg.startswith("HS"):
            keys = client_secret_key(client, token)
            if keys is None:
                raise fail(f"the response is signed {alg}, but the client has no secret")
        algs = ASYMMETRIC_ALGS if alg is None else (alg,)
        header, claims, _ = verified_by_server(client, token, algs, keys)
    except MissingEndpointUri:
        raise fail("the server's keys are not available: set jwks_uri") from None
    except jose.JoseError as exc:
        raise fail(f"the response JWT is not valid: {exc}") from None
    return header, claims


def _decrypted(client: OAuth2Client, token: str, prefix: str, alg: str, fail: Fail) -> str:
    key = _setting(client, "id_token_decryption_key")
    if key is None:
        raise fail("the response is encrypted, but the client has no id_token_decryption_key")
    enc = client.setting(f"{prefix}_encrypted_response_enc")
    try:
        plaintext = jose.decrypt(token, key, (alg,), (enc,)).plaintext
        return plaintext.decode("ascii")
    except jose.JoseError as exc:
        raise fail(f"the encrypted response does not decrypt: {exc}") from None
    except UnicodeDecodeError:
        raise fail("the encrypted response holds no signed JWT") from None


# --- JARM ----------------------------------------------------------------------------------


def decode_jarm_response(
    client: OAuth2Client, response: str, request: Any = None, callback: str | None = None
) -> dict[str, str]:
    """The operation: the authorization response parameters inside a JARM ``response`` JWT.

    `request` and `callback` (the `AuthorizationRequest` and the callback URL) go into the
    exception. ``iss`` is returned as a parameter, for the callback's RFC 9207 check;
    ``aud``, ``exp``, ``iat`` and ``nbf`` are left out. Values that are not strs become
    their JSON text.

    Raises:
        InvalidJarmResponse: the JWT is not valid (signature, ``iss``, ``aud``, ``exp``).
    """

    def fail(message: str) -> InvalidJarmResponse:
        return InvalidJarmResponse(f"JARM response refused: {message}", request, callback or "")

    _, claims = decoded_response_jwt(client, response, "authorization", fail, exp_required=True)
    return {
        name: value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))
        for name, value in claims.items()
        if name not in ("aud", "exp", "iat", "nbf")
    }


# --- userinfo and introspection ------------------------------------------------------------


def _id_token_subject(auth: object) -> str | None:
    """The ``sub`` of the ID token that came with the access token, if it can be read."""
    id_token = getattr(auth, "id_token", None) if isinstance(auth, BearerToken) else None
    if isinstance(id_token, IdToken):
        return id_token.subject
    if isinstance(id_token, str) and id_token.count(".") == 2:  # noqa: PLR2004 - a JWS
        try:
            sub = jose.unverified_claims(id_token).get("sub")
        except jose.JoseError:
            return None
        return sub if isinstance(sub, str) else None
    return None  # none, or still encrypted


def _userinfo(call: EndpointCall, response: EndpointResponse) -> dict[str, Any]:
    client = call.client

    def fail(message: str) -> InvalidSignedResponse:
        return InvalidSignedResponse(
            response.response, client, f"signed userinfo refused: {message}"
        )

    _, claims = decoded_response_jwt(client, response.response.text, "userinfo", fail)
    sub = claims.get("sub")
    if not isinstance(sub, str) or not sub:
        raise fail("it has no 'sub'")
    expected = _id_token_subject(call.auth)
    if expected is not None and sub != expected:
        raise fail("its 'sub' is not the ID token's (OpenID Connect Core 5.3.2)")
    return claims


def _introspection(call: EndpointCall, response: EndpointResponse) -> dict[str, Any]:
    client = call.client

    def fail(message: str) -> InvalidSignedResponse:
        text = f"signed introspection response refused: {message}"
        return InvalidSignedResponse(response.response, client, text)

    header, claims = decoded_response_jwt(client, response.response.text, "introspection", fail)
    if header.get("typ") != "token-introspection+jwt":
        raise fail(f"its typ is {header.get('typ')!r}, not 'token-introspection+jwt'")
    if "iat" not in claims:
        raise fail("it has no 'iat'")
    answer = claims.get("token_introspection")
    if not isinstance(answer, dict) or not isinstance(answer.get("active"), bool):
        raise fail("it has no 'token_introspection' object with 'active'")
    return answer


@hookimpl(tryfirst=True)
def oauth2kit_parse_response(call: EndpointCall, response: EndpointResponse) -> object | None:
    """Parse the JWT answers of userinfo and introspection; pass on everything else."""
    if call.endpoint == USERINFO and response.content_type == USERINFO_JWT:
        return _userinfo(call, response)
    if call.endpoint == INTROSPECTION and response.content_type == INTROSPECTION_JWT:
        return _introspection(call, response)
    return None


@hookimpl
def oauth2kit_prepare_request(call: EndpointCall) -> None:
    """Ask for a JWT introspection answer when the client registered for one (RFC 9701)."""
    if (
        call.endpoint == INTROSPECTION
        and "introspection_signed_response_alg" in call.client.settings
    ):
        call.headers["Accept"] = INTROSPECTION_JWT


# --- settings ----------------------------------------------------------------------------------


def _one_of(name: str, allowed: Mapping[str, object]) -> Callable[[OAuth2Client, object], str]:
    def convert(client: OAuth2Client, value: object) -> str:  # noqa: ARG001 - a Setting converter
        if not isinstance(value, str) or value not in allowed:
            raise InvalidParam(f"{name} must be one of {', '.join(allowed)}, got {value!r}")
        return value

    return convert


@hookimpl
def oauth2kit_register_settings(registry: Registry[Setting]) -> None:
    """The signing and encryption algorithms registered for each kind of response."""
    for prefix in _PREFIXES:
        for suffix, allowed, default in (
            ("signed_response_alg", jose.SIGNATURE_ALGS, None),
            ("encrypted_response_alg", jose.KEY_MANAGEMENT_ALGS, None),
            ("encrypted_response_enc", jose.CONTENT_ENCRYPTION_ALGS, DEFAULT_ENC),
        ):
            name = f"{prefix}_{suffix}"
            registry.add(name, Setting(default=default, convert=_one_of(name, allowed)))


@hookimpl
def oauth2kit_register_operations(registry: Registry[Any]) -> None:
    """Register ``decode_jarm_response``."""
    registry.add("decode_jarm_response", decode_jarm_response)


@hookimpl
def oauth2kit_register_extensions(registry: Registry[object]) -> None:
    """Export this plugin's exceptions."""
    for cls in (InvalidJarmResponse, InvalidSignedResponse):
        registry.add(cls.__name__, cls)
