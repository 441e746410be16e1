"""Pushed authorization requests (RFC 9126): entry point ``endpoint.par``.

The client POSTs an `AuthorizationRequest`'s parameters, with client authentication, to
the ``pushed_authorization_request_endpoint`` and gets a ``request_uri`` back; the browser
then goes to the authorization endpoint with only ``client_id`` and that ``request_uri``
(a `RequestUriParameterAuthorizationRequest`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, cast

from o2k_builtins.authorization.model import (
    AuthorizationRequest,
    RequestUriParameterAuthorizationRequest,
)
from o2k_builtins.oidc.request_objects import RequestParameterAuthorizationRequest
from oauth2kit import InvalidParam, OAuth2Error, Setting, hookimpl, parse_expires_in

if TYPE_CHECKING:
    from oauth2kit import EndpointCall, EndpointResponse, OAuth2Client, Registry

ENDPOINT = "pushed_authorization_request_endpoint"


class InvalidPushedAuthorizationResponse(OAuth2Error):
    """The PAR endpoint answered with success, but not with a usable ``request_uri``."""


def pushed_authorization_request(
    client: OAuth2Client,
    authorization_request: AuthorizationRequest | RequestParameterAuthorizationRequest,
    requests_kwargs: dict[str, Any] | None = None,
) -> RequestUriParameterAuthorizationRequest:  # fmt: skip
    """The operation: push `authorization_request`, return the request that refers to it.

    Its parameters go in the form once each, ``client_id`` included: RFC 9126 section 2.1
    wants it there whatever the client authentication (HTTP Basic too). A request bound
    to a DPoP key sends its proof with the DPoP plugin's ``dpop_key`` option. A signed
    request (`RequestParameterAuthorizationRequest`, RFC 9101) pushes its ``request`` JWT.

    Raises:
        InvalidParam: `authorization_request` is not an authorization request.
        MissingEndpointUri: the client has no ``pushed_authorization_request_endpoint``.
        EndpointError: (or the subclass for its code) the server refused the request.
        InvalidPushedAuthorizationResponse: the server's success answer is unusable.
    """
    if not isinstance(
        cast("object", authorization_request),
        AuthorizationRequest | RequestParameterAuthorizationRequest,
    ):
        msg = (
            "expected an AuthorizationRequest or a RequestParameterAuthorizationRequest,"
            f" got {type(authorization_request).__name__}"
        )
        raise InvalidParam(msg)
    dpop_key = authorization_request.dpop_key
    options = {"dpop_key": dpop_key} if dpop_key is not None else None
    # requests_kwargs as one mapping, checked by the kernel like every operation's: spread
    # into request_endpoint's arguments, {"auth": False} would switch client auth off.
    pushed = client.call(
        ENDPOINT, authorization_request.args, options=options, requests_kwargs=requests_kwargs
    )
    if not isinstance(pushed, Mapping):
        msg = f"a parse hook turned the PAR response into a {type(pushed).__name__}, not a mapping"
        raise InvalidParam(msg)
    return RequestUriParameterAuthorizationRequest(
        authorization_request.authorization_endpoint,
        client_id=authorization_request.client_id,
        request_uri=pushed["request_uri"],
        expires_in=pushed.get("expires_in"),
        dpop_key=dpop_key,
    )


@hookimpl(trylast=True)
def oauth2kit_parse_response(call: EndpointCall, response: EndpointResponse) -> object | None:
    """Read the PAR endpoint's answer: ``{"request_uri": ..., "expires_in": ...}``, checked.

    A plugin that overrides this returns a mapping with the same two members.
    """
    if call.endpoint != ENDPOINT:
        return None
    data = response.data
    request_uri = None if data is None else data.get("request_uri")
    if not isinstance(request_uri, str) or not request_uri:
        msg = f"the PAR endpoint answered {response.describe()} without a request_uri"
        raise InvalidPushedAuthorizationResponse(response.response, call.client, msg)
    try:
        expires_in = parse_expires_in(data.get("expires_in"))  # type: ignore[union-attr] # a dict here
    except InvalidParam as exc:
        raise InvalidPushedAuthorizationResponse(response.response, call.client, str(exc)) from exc
    return {"request_uri": request_uri, "expires_in": expires_in}


@hookimpl
def oauth2kit_register_settings(registry: Registry[Setting]) -> None:
    """The PAR endpoint."""
    registry.add(ENDPOINT, Setting(endpoint=True))


@hookimpl
def oauth2kit_register_operations(registry: Registry[Any]) -> None:
    """Make ``client.pushed_authorization_request()`` available."""
    registry.add("pushed_authorization_request", pushed_authorization_request)


@hookimpl
def oauth2kit_register_extensions(registry: Registry[object]) -> None:
    """Export `InvalidPushedAuthorizationResponse` from the package root."""
    registry.add("InvalidPushedAuthorizationResponse", InvalidPushedAuthorizationResponse)
