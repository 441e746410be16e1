"""Token introspection (RFC 7662): entry point ``endpoint.introspection``.

Provides the ``introspection_endpoint`` setting and the operation behind
`OAuth2Client.introspect_token`, which returns the server's JSON answer as a dict (or the
body as text when it is not JSON, as upstream). Answers are parsed by media type: the JWT
answers of RFC 9701 (``application/token-introspection+jwt``) need a verified signature:
the ``oidc.signed_responses`` plugin parses them first; without it they raise
`UnsupportedIntrospectionResponse` rather than pass for verified data.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from o2k_builtins.endpoints.shared import token_fields, unmapped_errors_as
from oauth2kit import EndpointError, OAuth2Error, Setting, hookimpl

if TYPE_CHECKING:
    from oauth2kit import BearerToken, EndpointCall, EndpointResponse, OAuth2Client, Registry

ENDPOINT: Final = "introspection_endpoint"
JWT_RESPONSE: Final = "application/token-introspection+jwt"
"""The media type of RFC 9701 answers, asked for with ``Accept``."""


class IntrospectionError(EndpointError):
    """The introspection endpoint answered a standard error that has no class of its own."""


class UnknownIntrospectionError(OAuth2Error):
    """The introspection endpoint answered an error without a standard OAuth 2.0 error body."""


class UnsupportedIntrospectionResponse(OAuth2Error):
    """The introspection endpoint answered in a format oauth2kit cannot check yet (RFC 9701)."""


def introspect_token(
    client: OAuth2Client,
    token: str | BearerToken | None = None,
    token_type_hint: str | None = None,
    requests_kwargs: dict[str, Any] | None = None,
    **introspect_kwargs: Any,
) -> Any:
    """Ask the server about `token`; `introspect_kwargs` are sent as extra form fields.

    Returns:
        The JSON answer as a dict (``{"active": false}`` for a revoked or unknown token),
        or the body as text if it is not JSON.

    Raises:
        MissingEndpointUri: the client has no ``introspection_endpoint``.
        IntrospectionError: (or the class of its code, e.g. `InvalidClient`) for a
            standard error answer.
        UnknownIntrospectionError: for an error answer that is not a standard one.
        UnsupportedIntrospectionResponse: for a JWT answer (RFC 9701) that no plugin verified.
    """
    # `token` defaults to None because the typed methods leave a None out; it is refused here.
    form = {**introspect_kwargs, **token_fields(token, token_type_hint)}
    try:
        with unmapped_errors_as(IntrospectionError):
            return client.call(ENDPOINT, form, requests_kwargs=requests_kwargs)
    except (EndpointError, UnsupportedIntrospectionResponse):
        raise
    except OAuth2Error as exc:
        if exc.response.ok:
            raise
        raise UnknownIntrospectionError(exc.response, client, str(exc)) from exc


def _jwt_answer(call: EndpointCall, response: EndpointResponse) -> object:
    message = (
        f"{ENDPOINT} answered a signed JWT ({JWT_RESPONSE}, RFC 9701), which needs a"
        " verified signature, by the oidc.signed_responses plugin; or ask for JSON"
    )
    raise UnsupportedIntrospectionResponse(response.response, call.client, message)


def _json_answer(call: EndpointCall, response: EndpointResponse) -> object:  # noqa: ARG001 - a parser's signature
    # Upstream returns the text of a body that is not JSON; kept for compatibility.
    return response.response.text if response.data is None else response.data


# Media type -> parser; JSON (and anything else) by default. RFC 9701 answers are verified
# (and parsed first) by the oidc.signed_responses plugin; this is the refusal without it.
_PARSERS = {JWT_RESPONSE: _jwt_answer}


@hookimpl
def oauth2kit_register_settings(registry: Registry[Setting]) -> None:
    """Register ``introspection_endpoint``."""
    registry.add(ENDPOINT, Setting(endpoint=True))


@hookimpl
def oauth2kit_register_operations(registry: Registry[Any]) -> None:
    """Register ``introspect_token``."""
    registry.add("introspect_token", introspect_token)


@hookimpl
def oauth2kit_register_extensions(registry: Registry[object]) -> None:
    """Export this plugin's exceptions from the package root."""
    for cls in (IntrospectionError, UnknownIntrospectionError, UnsupportedIntrospectionResponse):
        registry.add(cls.__name__, cls)


@hookimpl(trylast=True)
def oauth2kit_parse_response(call: EndpointCall, response: EndpointResponse) -> object | None:
    """Parse the introspection endpoint's 2xx answers, by media type."""
    if call.endpoint != ENDPOINT:
        return None
    return _PARSERS.get(response.content_type, _json_answer)(call, response)
