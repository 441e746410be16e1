"""Token revocation (RFC 7009): entry point ``endpoint.revocation``.

Provides the ``revocation_endpoint`` setting and the operations behind
`OAuth2Client.revoke_token`, `revoke_access_token` and `revoke_refresh_token`. As upstream,
they return True when the server accepted the request, False when it answered an error
without a standard OAuth 2.0 error body, and raise for a standard error.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from o2k_builtins.endpoints.shared import token_fields, unmapped_errors_as
from oauth2kit import EndpointError, OAuth2Error, Setting, hookimpl

if TYPE_CHECKING:
    from oauth2kit import BearerToken, EndpointCall, EndpointResponse, OAuth2Client, Registry

ENDPOINT = "revocation_endpoint"


class RevocationError(EndpointError):
    """The revocation endpoint answered a standard error that has no class of its own."""


class UnsupportedTokenType(RevocationError):
    """``unsupported_token_type``: the server cannot revoke tokens of this type (RFC 7009)."""


def revoke_token(
    client: OAuth2Client,
    token: str | BearerToken | None = None,
    token_type_hint: str | None = None,
    requests_kwargs: dict[str, Any] | None = None,
    **revoke_kwargs: Any,
) -> bool:
    """Ask the server to revoke `token`; `revoke_kwargs` are sent as extra form fields.

    Returns:
        True if the server accepted the request (RFC 7009 answers 200 for unknown and
        already revoked tokens too); False if it answered an error without a standard
        OAuth 2.0 error body.

    Raises:
        MissingEndpointUri: the client has no ``revocation_endpoint``.
        RevocationError: (or the class of its code, e.g. `UnsupportedTokenType` or
            `InvalidClient`) for a standard error answer.
    """
    # `token` defaults to None because the typed methods leave a None out; it is refused here.
    form = {**revoke_kwargs, **token_fields(token, token_type_hint)}
    try:
        with unmapped_errors_as(RevocationError):
            return bool(client.call(ENDPOINT, form, requests_kwargs=requests_kwargs))
    except EndpointError:
        raise
    except OAuth2Error as exc:
        if exc.response.ok:  # a 2xx that a hook could not use is not a refusal
            raise
        return False


def revoke_access_token(
    client: OAuth2Client,
    access_token: str | BearerToken | None = None,
    requests_kwargs: dict[str, Any] | None = None,
    **revoke_kwargs: Any,
) -> bool:
    """`revoke_token` with the ``access_token`` hint."""
    return revoke_token(client, access_token, "access_token", requests_kwargs, **revoke_kwargs)


def revoke_refresh_token(
    client: OAuth2Client,
    refresh_token: str | BearerToken | None = None,
    requests_kwargs: dict[str, Any] | None = None,
    **revoke_kwargs: Any,
) -> bool:
    """`revoke_token` with the ``refresh_token`` hint (a token's refresh token is sent)."""
    return revoke_token(client, refresh_token, "refresh_token", requests_kwargs, **revoke_kwargs)


@hookimpl
def oauth2kit_register_settings(registry: Registry[Setting]) -> None:
    """Register ``revocation_endpoint``."""
    registry.add(ENDPOINT, Setting(endpoint=True))


@hookimpl
def oauth2kit_register_operations(registry: Registry[Any]) -> None:
    """Register ``revoke_token``, ``revoke_access_token`` and ``revoke_refresh_token``."""
    for operation in (revoke_token, revoke_access_token, revoke_refresh_token):
        registry.add(operation.__name__, operation)


@hookimpl
def oauth2kit_register_error_codes(registry: Registry[type[EndpointError]]) -> None:
    """Map ``unsupported_token_type`` to `UnsupportedTokenType`."""
    registry.add("unsupported_token_type", UnsupportedTokenType)


@hookimpl
def oauth2kit_register_extensions(registry: Registry[object]) -> None:
    """Export `RevocationError` and `UnsupportedTokenType` from the package root."""
    for cls in (RevocationError, UnsupportedTokenType):
        registry.add(cls.__name__, cls)


@hookimpl(trylast=True)
def oauth2kit_parse_response(call: EndpointCall, response: EndpointResponse) -> object | None:  # noqa: ARG001 - the body says nothing (RFC 7009 section 2.2)
    """A 2xx answer from the revocation endpoint means the token is revoked."""
    return True if call.endpoint == ENDPOINT else None
