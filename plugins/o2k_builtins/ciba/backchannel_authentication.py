"""CIBA authentication requests, poll mode: entry point ``endpoint.backchannel_authentication``.

`OAuth2Client.backchannel_authentication_request()` asks the
``backchannel_authentication_endpoint`` to authenticate a user on their own device (OpenID
Connect CIBA Core 1.0 section 7); the client then polls the token endpoint with the
``auth_req_id`` it got, through `BackChannelAuthenticationPoolingJob` (or
`OAuth2Client.ciba()` by hand). Polling's error codes are the device flow plugin's.
"""

from __future__ import annotations

import math
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final

import attrs

from o2k_builtins.authorization.model import checked_acr_values
from o2k_builtins.device.polling import (
    REDACTED,
    SLOW_DOWN_INTERVAL,
    BaseTokenEndpointPoolingJob,
    checked_seconds,
    expiry,
    is_past,
    narrowed,
    poll_interval,
    required_text,
)
from oauth2kit import (
    EndpointError,
    InvalidParam,
    OAuth2Error,
    PluginError,
    Setting,
    hookimpl,
    normalize_scope,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from oauth2kit import BearerToken, EndpointCall, EndpointResponse, OAuth2Client, Registry

ENDPOINT: Final = "backchannel_authentication_endpoint"
UPSTREAM_INTERVAL: Final = 20  # seconds, when the server sends none: upstream's default
_HINTS: Final = ("login_hint", "login_hint_token", "id_token_hint")


class BackChannelAuthenticationError(EndpointError):
    """An error from the backchannel authentication endpoint (CIBA Core section 13)."""


class ExpiredLoginHintToken(BackChannelAuthenticationError):
    """``expired_login_hint_token``: the login_hint_token has expired."""


class UnknownUserId(BackChannelAuthenticationError):
    """``unknown_user_id``: the server cannot tell which user the hint names."""


class MissingUserCode(BackChannelAuthenticationError):
    """``missing_user_code``: the server requires a user_code for this request."""


class InvalidUserCode(BackChannelAuthenticationError):
    """``invalid_user_code``: the user_code is not the user's."""


class InvalidBindingMessage(BackChannelAuthenticationError):
    """``invalid_binding_message``: the server refuses the binding_message (too long, ...)."""


class InvalidBackChannelAuthenticationResponse(OAuth2Error):
    """The endpoint answered neither a usable ``auth_req_id`` nor an OAuth 2.0 error."""


class InvalidBackchannelAuthenticationRequestHintParam(InvalidParam):
    """Not exactly one of ``login_hint``, ``login_hint_token`` and ``id_token_hint`` was given."""


class MissingAuthRequestId(InvalidParam):
    """A CIBA token request was asked for without a usable ``auth_req_id``."""

    def __init__(self, bcar: object) -> None:
        super().__init__(
            "an auth_req_id is needed: a non-empty str or a BackChannelAuthenticationResponse,"
            f" got {type(bcar).__name__}"
        )
        self.bcar = bcar


_ERROR_CODES: Final[dict[str, type[EndpointError]]] = {
    "expired_login_hint_token": ExpiredLoginHintToken,
    "unknown_user_id": UnknownUserId,
    "missing_user_code": MissingUserCode,
    "invalid_user_code": InvalidUserCode,
    "invalid_binding_message": InvalidBindingMessage,
}


@attrs.frozen(init=False, repr=False)
class BackChannelAuthenticationResponse:
    """A backchannel authentication endpoint's answer (CIBA Core section 7.3).

    Poll with it through `BackChannelAuthenticationPoolingJob`. Members the standard does
    not name are in `other`, and readable as attributes. `repr()` leaves the
    ``auth_req_id`` out.

    Args:
        auth_req_id: the request's identifier, which the client polls with (a secret).
        expires_at: when the request expires (naive means UTC).
        interval: seconds to wait between polls; 20 when the server says nothing, as
            upstream (CIBA's own default is 5: pass ``interval=`` to the job to use it).
        expires_in: seconds from now until the request expires, instead of `expires_at`.
        **kwargs: any other member of the response.

    Raises:
        InvalidParam: a member has an unusable value.
    """

    auth_req_id: str
    expires_at: datetime | None
    interval: float
    other: dict[str, Any]

    def __init__(
        self, auth_req_id: str, expires_at: datetime | None = None,
        interval: float | None = UPSTREAM_INTERVAL, *, expires_in: int | str | None = None,
        **kwargs: Any,
    ) -> None:  # fmt: skip
        interval = UPSTREAM_INTERVAL if interval is None else interval
        self.__attrs_init__(
            required_text("auth_req_id", auth_req_id),
            expiry(expires_at, expires_in),
            checked_seconds("interval", interval),
            kwargs,
        )

    @property
    def expires_in(self) -> int | None:
        """Seconds left until the request expires (negative once it has), or None."""
        if self.expires_at is None:
            return None
        return math.ceil((self.expires_at - datetime.now(tz=UTC)).total_seconds())

    def is_expired(self, leeway: float = 0) -> bool | None:
        """Whether the request expired more than `leeway` seconds ago; None if unknown."""
        return is_past(self.expires_at, leeway)

    def __getattr__(self, name: str) -> Any:
        """Another member of the response, by name (falsy values too, unlike upstream)."""
        if not name.startswith("_") and name != "other" and name in self.other:
            return self.other[name]
        msg = f"{type(self).__name__!r} object has no attribute {name!r}"
        raise AttributeError(msg)

    def __repr__(self) -> str:
        """The expiry and interval; the ``auth_req_id`` stays out."""
        expires = None if self.expires_at is None else self.expires_at.isoformat()
        return (
            f"{type(self).__name__}(auth_req_id={REDACTED!r}, expires_at={expires!r},"
            f" interval={self.interval!r})"
        )


def checked_auth_req_id(auth_req_id: object) -> str:
    """The ``auth_req_id`` of a `BackChannelAuthenticationResponse`, or a non-empty str as is."""
    if isinstance(auth_req_id, BackChannelAuthenticationResponse):
        return auth_req_id.auth_req_id
    if isinstance(auth_req_id, str) and auth_req_id:
        return auth_req_id
    raise MissingAuthRequestId(auth_req_id)


class BackChannelAuthenticationPoolingJob(BaseTokenEndpointPoolingJob):
    """Poll the token endpoint with an ``auth_req_id`` until the user approved the request.

    ``token = None; while token is None: token = job()``. The interval comes from the
    `interval` argument, else from the response, else 5 seconds; see
    `BaseTokenEndpointPoolingJob` for what each call does.

    Args:
        client: the client that polls.
        auth_req_id: a `BackChannelAuthenticationResponse`, or its ``auth_req_id``.
        interval: seconds to wait before each poll (0: none), instead of the response's.
        slow_down_interval: seconds added to the interval on each ``slow_down``.
        requests_kwargs: extra arguments for `requests` on each poll.
        sleeper: what waits (`time.sleep` by default).
        **token_kwargs: extra parameters of each token request.

    Raises:
        MissingAuthRequestId: `auth_req_id` is neither of the above.
        InvalidParam: another argument is unusable.
    """

    def __init__(
        self, client: OAuth2Client, auth_req_id: str | BackChannelAuthenticationResponse, *,
        interval: float | None = None, slow_down_interval: float = SLOW_DOWN_INTERVAL,
        requests_kwargs: dict[str, Any] | None = None,
        sleeper: Callable[[float], object] = time.sleep, **token_kwargs: Any,
    ) -> None:  # fmt: skip
        checked_auth_req_id(auth_req_id)
        interval = poll_interval(interval, auth_req_id)
        super().__init__(
            client, requests_kwargs, token_kwargs, slow_down_interval, interval, sleeper=sleeper
        )
        self.auth_req_id = auth_req_id

    def token_request(self) -> BearerToken:
        """Send one CIBA token request."""
        return self.client.ciba(
            self.auth_req_id, requests_kwargs=self.requests_kwargs or None, **self.token_kwargs
        )

    def _identity(self) -> tuple[Any, ...]:
        return (*super()._identity(), self.auth_req_id)


def _hint(hints: dict[str, object]) -> dict[str, str]:
    """The one hint that names the user, checked."""
    given = {name: value for name, value in hints.items() if value is not None}
    if len(given) != 1:
        names = ", ".join(given) or "none"
        msg = (
            f"exactly one of login_hint, login_hint_token and id_token_hint is needed, got {names}"
        )
        raise InvalidBackchannelAuthenticationRequestHintParam(msg)
    return {name: required_text(name, value) for name, value in given.items()}


def _binding_message(message: object) -> str | None:
    """A message to show on both devices: a non-empty str, printable on one line."""
    if message is None:
        return None
    if not isinstance(message, str) or not message or not message.isprintable():
        msg = "binding_message must be a non-empty str of printable characters (no line breaks)"
        raise InvalidParam(f"{msg}, got {message!r}")
    return message


def _requested_expiry(seconds: object) -> int | None:
    """``requested_expiry``: a positive whole number of seconds."""
    if seconds is None:
        return None
    if not isinstance(seconds, int) or isinstance(seconds, bool) or seconds <= 0:
        raise InvalidParam(f"requested_expiry must be a positive int of seconds, got {seconds!r}")
    return seconds


def backchannel_authentication_request(
    client: OAuth2Client, scope: str | Iterable[str] = "openid", *,
    client_notification_token: str | None = None, acr_values: str | Iterable[str] | None = None,
    login_hint_token: str | None = None, id_token_hint: str | None = None,
    login_hint: str | None = None, binding_message: str | None = None,
    user_code: str | None = None, requested_expiry: int | None = None, private_jwk: Any = None,
    alg: str | None = None, requests_kwargs: dict[str, Any] | None = None, **ciba_kwargs: Any,
) -> BackChannelAuthenticationResponse:  # fmt: skip
    """The operation: send a CIBA authentication request; every argument is checked first.

    Exactly one of `login_hint`, `login_hint_token` and `id_token_hint` names the user.
    `scope` and `acr_values` may be space-separated strs or iterables of strs; other
    parameters (`ciba_kwargs`) are sent as they are.

    Raises:
        InvalidBackchannelAuthenticationRequestHintParam: not exactly one hint.
        InvalidScopeParam, InvalidAcrValuesParam, InvalidParam: an unusable argument; a
            signed request (`private_jwk`, `alg`) is not supported yet.
        MissingEndpointUri: the client has no ``backchannel_authentication_endpoint``.
        EndpointError: the server refused; the class registered for its code, else a
            `BackChannelAuthenticationError`.
        InvalidBackChannelAuthenticationResponse: the server's answer is unusable.
    """
    if private_jwk is not None or alg is not None:
        # Signing goes through oauth2kit's JOSE facade, which this plugin does not use yet;
        # a request signed elsewhere can be passed as ``request=``.
        msg = "signed authentication requests (private_jwk, alg) are not supported yet"
        raise InvalidParam(msg)
    acr = checked_acr_values(acr_values)
    form: dict[str, Any] = {
        "scope": normalize_scope(scope),
        **_hint(dict(zip(_HINTS, (login_hint, login_hint_token, id_token_hint), strict=True))),
        "acr_values": None if acr is None else " ".join(acr),
        "binding_message": _binding_message(binding_message),
        "user_code": None if user_code is None else required_text("user_code", user_code),
        "requested_expiry": _requested_expiry(requested_expiry),
        "client_notification_token": None
        if client_notification_token is None
        else required_text("client_notification_token", client_notification_token),
        **ciba_kwargs,
    }
    try:
        result = client.call(ENDPOINT, form, requests_kwargs=requests_kwargs)
    except OAuth2Error as exc:
        mine = narrowed(exc, BackChannelAuthenticationError, InvalidBackChannelAuthenticationResponse)  # fmt: skip # noqa: E501
        if mine is exc:
            raise
        raise mine from exc
    if not isinstance(result, BackChannelAuthenticationResponse):
        msg = f"a parse hook turned the CIBA response into a {type(result).__name__}"
        raise PluginError(msg)
    return result


@hookimpl(trylast=True)
def oauth2kit_parse_response(call: EndpointCall, response: EndpointResponse) -> object | None:
    """Build a `BackChannelAuthenticationResponse` from the endpoint's JSON answer.

    A plugin that overrides this returns a `BackChannelAuthenticationResponse` too.
    """
    if call.endpoint != ENDPOINT:
        return None
    data = response.data
    if data is None or "auth_req_id" not in data:
        message = f"the backchannel authentication endpoint answered {response.describe()}"
        message += "" if data is None else " without an auth_req_id"
        raise InvalidBackChannelAuthenticationResponse(response.response, call.client, message)
    try:
        return BackChannelAuthenticationResponse(**data)
    except (InvalidParam, TypeError) as exc:  # TypeError: a member named like no argument can be
        message = f"unusable backchannel authentication response: {exc}"
        raise InvalidBackChannelAuthenticationResponse(
            response.response, call.client, message
        ) from exc


@hookimpl
def oauth2kit_register_settings(registry: Registry[Setting]) -> None:
    """The backchannel authentication endpoint."""
    registry.add(ENDPOINT, Setting(endpoint=True))


@hookimpl
def oauth2kit_register_operations(registry: Registry[Any]) -> None:
    """Make ``client.backchannel_authentication_request()`` available."""
    registry.add("backchannel_authentication_request", backchannel_authentication_request)


@hookimpl
def oauth2kit_register_error_codes(registry: Registry[type[EndpointError]]) -> None:
    """Map the error codes of CIBA Core section 13 that RFC 6749 does not define."""
    for code, cls in _ERROR_CODES.items():
        registry.add(code, cls)


BackChannelAuthenticationPollingJob = BackChannelAuthenticationPoolingJob
"""The spelling of requests_oauth2client 1.8 and later, for the same class."""

EXPORTS: Final = (
    BackChannelAuthenticationResponse, BackChannelAuthenticationPoolingJob,
    BackChannelAuthenticationError, InvalidBackChannelAuthenticationResponse,
    InvalidBackchannelAuthenticationRequestHintParam, *_ERROR_CODES.values(),
)  # fmt: skip


@hookimpl
def oauth2kit_register_extensions(registry: Registry[object]) -> None:
    """Export the response, the polling job and the exceptions from the package root."""
    for cls in EXPORTS:
        registry.add(cls.__name__, cls)
    registry.add("BackChannelAuthenticationPollingJob", BackChannelAuthenticationPollingJob)
