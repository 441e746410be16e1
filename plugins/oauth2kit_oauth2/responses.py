"""Standard OAuth 2.0 response and error parsing: entry point ``parse.oauth2``.

Both hooks are ``trylast``: a vendor plugin overrides them by returning a value, and falls
through to them by returning None.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from oauth2kit import (
    BackChannelAuthenticationError,
    BearerToken,
    DeviceAuthorizationError,
    EndpointError,
    IntrospectionError,
    InvalidBackChannelAuthenticationResponse,
    InvalidDeviceAuthorizationResponse,
    InvalidPushedAuthorizationResponse,
    InvalidTokenResponse,
    OAuth2Error,
    OAuth2KitError,
    PluginNotAvailable,
    RevocationError,
    UnknownIntrospectionError,
    UnknownTokenEndpointError,
)
from oauth2kit.hookspecs import hookimpl

if TYPE_CHECKING:
    from oauth2kit import EndpointCall, EndpointResponse

# Per endpoint: the class for an error code nobody mapped, and the class for a response that
# is not an OAuth 2.0 error at all (an HTML error page, a proxy's 502, ...).
_UNMAPPED_ERROR: dict[str, type[EndpointError]] = {
    "token_endpoint": UnknownTokenEndpointError,
    "pushed_authorization_request_endpoint": UnknownTokenEndpointError,
    "revocation_endpoint": RevocationError,
    "introspection_endpoint": IntrospectionError,
    "backchannel_authentication_endpoint": BackChannelAuthenticationError,
    "device_authorization_endpoint": DeviceAuthorizationError,
}
_NOT_AN_ERROR: dict[str, type[OAuth2Error]] = {
    "token_endpoint": InvalidTokenResponse,
    "pushed_authorization_request_endpoint": InvalidPushedAuthorizationResponse,
    "introspection_endpoint": UnknownIntrospectionError,
    "backchannel_authentication_endpoint": InvalidBackChannelAuthenticationResponse,
    "device_authorization_endpoint": InvalidDeviceAuthorizationResponse,
}


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def error_from_response(call: EndpointCall, response: EndpointResponse) -> OAuth2Error:
    """Map an error response to its exception: by ``error`` code, or by endpoint."""
    data = response.data or {}
    error = _text(data.get("error"))
    if error is None:
        cls = _NOT_AN_ERROR.get(call.endpoint, OAuth2Error)
        message = f"{call.endpoint} answered {response.describe()}, not an OAuth 2.0 error"
        return cls(response.response, call.client, message)
    mapped = type(call.client).exception_classes.get(error)
    cls_ = mapped or _UNMAPPED_ERROR.get(call.endpoint, EndpointError)
    return cls_(
        response.response,
        call.client,
        error,
        _text(data.get("error_description")),
        _text(data.get("error_uri")),
    )


def _token_class(call: EndpointCall, token_type: object) -> type[BearerToken]:
    client = call.client
    explicit = call.options.get("token_class") or client.token_class
    if explicit is not None:
        return explicit
    name = token_type if isinstance(token_type, str) else BearerToken.TOKEN_TYPE
    return client.plugins.token_types.get(name, blocked=client.disabled_plugins)


@hookimpl(trylast=True)
def oauth2kit_parse_response(call: EndpointCall, response: EndpointResponse) -> object | None:
    """Build a token from a token endpoint's JSON answer."""
    if call.endpoint != "token_endpoint":
        return None
    data = response.data
    if data is None:
        message = f"the token endpoint answered {response.describe()}, not a JSON object"
        raise InvalidTokenResponse(response.response, call.client, message)
    if "access_token" not in data:
        if "error" in data:  # some servers answer errors with HTTP 200
            raise error_from_response(call, response)
        message = "the token endpoint's answer has no access_token"
        raise InvalidTokenResponse(response.response, call.client, message)
    try:
        token_class = _token_class(call, data.get("token_type"))
        return token_class.from_response(data)
    except PluginNotAvailable as exc:
        message = f"unsupported token_type {data.get('token_type')!r}: {exc}"
        raise InvalidTokenResponse(response.response, call.client, message) from exc
    except (OAuth2KitError, TypeError, ValueError) as exc:
        message = f"unusable token response: {exc}"
        raise InvalidTokenResponse(response.response, call.client, message) from exc


@hookimpl(trylast=True)
def oauth2kit_parse_error(call: EndpointCall, response: EndpointResponse) -> OAuth2KitError | None:
    """Map any endpoint's error response to the matching exception."""
    return error_from_response(call, response)
