"""The exceptions of authorization requests and of the responses that come back to the client.

An authorization response is not an HTTP answer to the client: it arrives as a redirect
to the redirect URI. Its errors therefore derive from `oauth2kit.OAuth2KitError` (or
`InvalidParam`, for callbacks that cannot be trusted), not from `EndpointError`, and carry
the request and the callback URL instead of an HTTP response. Messages never contain the
callback URL, which may hold an authorization code.
"""

from __future__ import annotations

from typing import Any

from oauth2kit import InvalidParam, OAuth2KitError


class AuthorizationResponseError(OAuth2KitError):
    """The authorization server answered the authorization request with an ``error``.

    Attributes:
        request: the `AuthorizationRequest` the callback answers.
        response: the callback URL (or query string) as received.
        error: the error code, such as ``access_denied``.
        description: the ``error_description``, if any.
        uri: the ``error_uri``, if any.
    """

    def __init__(
        self, request: Any, response: str, error: str, description: str | None = None,
        uri: str | None = None,
    ) -> None:  # fmt: skip
        super().__init__(f"{error}: {description}" if description else error)
        self.request = request
        self.response = response
        self.error = error
        self.description = description
        self.uri = uri


class InteractionRequired(AuthorizationResponseError):
    """``interaction_required``: the server needs the user, but ``prompt=none`` forbade it."""


class LoginRequired(InteractionRequired):
    """``login_required``: the user must log in first."""


class AccountSelectionRequired(InteractionRequired):
    """``account_selection_required``: the user must choose one of their accounts."""


class SessionSelectionRequired(InteractionRequired):
    """``session_selection_required``: the user must choose one of their sessions."""


class ConsentRequired(InteractionRequired):
    """``consent_required``: the user must consent first."""


class InvalidAuthResponse(InvalidParam):
    """A callback that the client must not accept (forged, mixed up, or incomplete).

    Attributes:
        request: the `AuthorizationRequest` the callback claims to answer.
        response: the callback URL (or query string) as received.
    """

    def __init__(self, message: str, request: Any, response: str) -> None:
        super().__init__(message)
        self.request = request
        self.response = response


class MissingAuthCode(InvalidAuthResponse):
    """The callback carries neither a ``code`` nor an ``error``."""

    def __init__(self, request: Any, response: str) -> None:
        super().__init__("the authorization response has no 'code'", request, response)


class MissingIssuer(InvalidAuthResponse):
    """The server identifies itself in its responses (RFC 9207), but this one has no ``iss``."""

    def __init__(self, request: Any, response: str) -> None:
        msg = "the authorization response has no 'iss', which this server always sends (RFC 9207)"
        super().__init__(msg, request, response)


class _Mismatch(InvalidAuthResponse):
    """A callback parameter that differs from what the request expects."""

    parameter = ""

    def __init__(self, received: object, expected: object, request: Any, response: str) -> None:
        super().__init__(
            f"mismatching '{self.parameter}' in the authorization response"
            f" (received {received!r}, expected {expected!r})",
            request,
            response,
        )
        self.received = received
        self.expected = expected


class MismatchingState(_Mismatch):
    """The callback's ``state`` is not the request's: it may be forged (CSRF)."""

    parameter = "state"


class MismatchingIssuer(_Mismatch):
    """The callback's ``iss`` is not the expected issuer: a mix-up attack (RFC 9207)."""

    parameter = "iss"


class InvalidMaxAgeParam(InvalidParam):
    """``max_age`` is not an int of seconds >= 0."""

    def __init__(self) -> None:
        super().__init__("Invalid 'max_age' parameter: it must be an int of seconds >= 0")


class MissingIssuerParam(InvalidParam):
    """Checking ``iss`` (RFC 9207) was asked for, but no ``issuer`` is known to check it with."""

    def __init__(self) -> None:
        super().__init__(
            "authorization_response_iss_parameter_supported needs the server's issuer: pass issuer="
        )


class UnsupportedResponseTypeParam(InvalidParam):
    """A ``response_type`` other than ``code``: implicit and hybrid flows are not supported."""

    def __init__(self, response_type: object) -> None:
        super().__init__(f"Unsupported response_type {response_type!r}: only 'code' is supported")
        self.response_type = response_type


class InvalidAcrValuesParam(InvalidParam):
    """``acr_values`` is neither a str nor an iterable of strs."""

    def __init__(self, acr_values: object) -> None:
        super().__init__(
            "Invalid 'acr_values' parameter: expected a str or an iterable of str,"
            f" got {type(acr_values).__name__}"
        )
        self.acr_values = acr_values
