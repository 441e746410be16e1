"""The OpenID Connect UserInfo endpoint: entry point ``endpoint.userinfo``.

Provides the ``userinfo_endpoint`` setting and the operation behind `OAuth2Client.userinfo`,
which POSTs (as upstream) with the access token as the request's authentication and returns
the claims. Signed or encrypted answers (``application/jwt``) are verified by the
``oidc.signed_responses`` plugin, which parses them first; without it they raise
`UnsupportedUserinfoResponse` rather than pass for verified claims.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Final

import requests.auth

from o2k_builtins.endpoints.shared import unmapped_errors_as
from oauth2kit import BearerToken, EndpointError, InvalidParam, OAuth2Error, Setting, hookimpl

if TYPE_CHECKING:
    from oauth2kit import EndpointCall, EndpointResponse, OAuth2Client, Registry

ENDPOINT: Final = "userinfo_endpoint"
JWT_RESPONSE: Final = "application/jwt"

# One auth-param of a WWW-Authenticate challenge (RFC 9110 section 11.2): name=token or
# name="quoted string".
_AUTH_PARAM = re.compile(r'([A-Za-z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))')


class UserinfoError(EndpointError):
    """The userinfo endpoint refused the request, e.g. ``invalid_token`` (RFC 6750 section 3.1).

    The code comes from the JSON body or, as resource servers send it, from the
    ``WWW-Authenticate`` challenge.
    """


class InvalidUserinfoResponse(OAuth2Error):
    """The userinfo endpoint answered success with something other than a JSON object."""


class UnsupportedUserinfoResponse(InvalidUserinfoResponse):
    """The userinfo endpoint answered a JWT that no plugin verified (oidc.signed_responses)."""


def _access_token_auth(access_token: object) -> requests.auth.AuthBase:
    if isinstance(access_token, requests.auth.AuthBase):
        return access_token  # a BearerToken (DPoP ones too), or an auth handler that renews
    if isinstance(access_token, str):
        return BearerToken(access_token)
    msg = (
        "access_token must be a str, a BearerToken or a requests auth handler,"
        f" got {type(access_token).__name__}"
    )
    raise InvalidParam(msg)


def userinfo(
    client: OAuth2Client,
    access_token: str | BearerToken | requests.auth.AuthBase,
    requests_kwargs: dict[str, Any] | None = None,
) -> Any:
    """Return the claims about the user that `access_token` was issued for.

    Raises:
        MissingEndpointUri: the client has no ``userinfo_endpoint``.
        UserinfoError: (or the class of its code) for an error with a code, in the body or
            in the ``WWW-Authenticate`` header.
        OAuth2Error: for any other error answer.
        InvalidUserinfoResponse: for a success that is not a JSON object;
            `UnsupportedUserinfoResponse` for a JWT one.
    """
    auth = _access_token_auth(access_token)
    with unmapped_errors_as(UserinfoError):
        return client.call(ENDPOINT, auth=auth, requests_kwargs=requests_kwargs)


def challenge_error(header: str) -> dict[str, str]:
    """The ``error``, ``error_description`` and ``error_uri`` of a ``WWW-Authenticate`` value."""
    found: dict[str, str] = {}
    for given, quoted, token in _AUTH_PARAM.findall(header):
        name = given.lower()  # auth-param names are case-insensitive (RFC 9110 section 11.2)
        if name in ("error", "error_description", "error_uri") and name not in found:
            found[name] = re.sub(r"\\(.)", r"\1", quoted) if quoted else token
    return found if found.get("error") else {}


@hookimpl
def oauth2kit_fixup_response(call: EndpointCall, response: EndpointResponse) -> None:
    """Read an error without a JSON body from its ``WWW-Authenticate`` challenge.

    RFC 6750 resource servers (userinfo is one) put the error code in that header, so the
    standard error parser then maps it like any other.
    """
    if call.endpoint != ENDPOINT or response.ok or (response.data or {}).get("error"):
        return
    error = challenge_error(response.response.headers.get("WWW-Authenticate", ""))
    if error:
        response.data = {**(response.data or {}), **error}


@hookimpl
def oauth2kit_register_settings(registry: Registry[Setting]) -> None:
    """Register ``userinfo_endpoint``."""
    registry.add(ENDPOINT, Setting(endpoint=True))


@hookimpl
def oauth2kit_register_operations(registry: Registry[Any]) -> None:
    """Register ``userinfo``."""
    registry.add("userinfo", userinfo)


@hookimpl
def oauth2kit_register_extensions(registry: Registry[object]) -> None:
    """Export this plugin's exceptions from the package root."""
    for cls in (UserinfoError, InvalidUserinfoResponse, UnsupportedUserinfoResponse):
        registry.add(cls.__name__, cls)


@hookimpl(trylast=True)
def oauth2kit_parse_response(call: EndpointCall, response: EndpointResponse) -> object | None:
    """Return the claims of the userinfo endpoint's 2xx answers."""
    if call.endpoint != ENDPOINT:
        return None
    if response.content_type == JWT_RESPONSE:
        message = (
            f"{ENDPOINT} answered a JWT ({JWT_RESPONSE}): signed or encrypted userinfo"
            " responses need JWT verification, by the oidc.signed_responses plugin"
        )
        raise UnsupportedUserinfoResponse(response.response, call.client, message)
    if response.data is None:
        message = f"{ENDPOINT} answered {response.describe()}, not a JSON object"
        raise InvalidUserinfoResponse(response.response, call.client, message)
    return response.data
