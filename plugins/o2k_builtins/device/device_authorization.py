"""Device authorization (RFC 8628): entry point ``endpoint.device_authorization``.

`OAuth2Client.authorize_device()` asks the ``device_authorization_endpoint`` for a device
code and a user code; the user enters the user code at the verification URI on another
device while this one polls the token endpoint with the device code, through
`DeviceAuthorizationPoolingJob` (or `OAuth2Client.device_code()` by hand). The plugin also
maps the error codes that polling meets, for CIBA as well: ``authorization_pending``,
``slow_down`` and ``expired_token`` (``access_denied`` is the standard parser's).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, Final

import attrs

from o2k_builtins.device.polling import (
    POLLING_ERRORS,
    REDACTED,
    SLOW_DOWN_INTERVAL,
    AuthorizationPending,
    BaseTokenEndpointPollingJob,
    BaseTokenEndpointPoolingJob,
    ExpiredToken,
    SlowDown,
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
    from collections.abc import Callable
    from datetime import datetime

    from oauth2kit import BearerToken, EndpointCall, EndpointResponse, OAuth2Client, Registry

ENDPOINT: Final = "device_authorization_endpoint"
_REQUIRED: Final = ("device_code", "user_code", "verification_uri")


class DeviceAuthorizationError(EndpointError):
    """An error from the device authorization endpoint that no more specific class covers."""


class InvalidDeviceAuthorizationResponse(OAuth2Error):
    """The device authorization endpoint answered neither a usable response nor an error."""


class MissingDeviceCode(InvalidParam):
    """A device code grant was asked for without a usable device code."""

    def __init__(self, dar: object) -> None:
        super().__init__(
            "a device_code is needed: a non-empty str or a DeviceAuthorizationResponse,"
            f" got {type(dar).__name__}"
        )
        self.dar = dar


@attrs.frozen(init=False, repr=False)
class DeviceAuthorizationResponse:
    """A device authorization endpoint's answer (RFC 8628 section 3.2).

    Show `user_code` and `verification_uri` (or `verification_uri_complete`, which holds
    the user code) to the user, then poll with `DeviceAuthorizationPoolingJob`. Members the
    standard does not name are in `other`. `repr()` leaves the device code out.

    Args:
        device_code: the code this device polls with (a secret).
        user_code: the code the user enters at the verification URI.
        verification_uri: where the user goes to enter it.
        verification_uri_complete: a verification URI that already holds the user code.
        expires_at: when the codes expire (naive means UTC).
        interval: seconds to wait between polls, if the server says.
        expires_in: seconds from now until the codes expire, instead of `expires_at`.
        **kwargs: any other member of the response.

    Raises:
        InvalidParam: a member has an unusable value.
    """

    device_code: str
    user_code: str
    verification_uri: str
    verification_uri_complete: str | None
    expires_at: datetime | None
    interval: float | None
    other: dict[str, Any]

    def __init__(  # noqa: PLR0917 - upstream's positional signature
        self, device_code: str, user_code: str, verification_uri: str,
        verification_uri_complete: str | None = None, expires_at: datetime | None = None,
        interval: float | None = None, *, expires_in: int | str | None = None, **kwargs: Any,
    ) -> None:  # fmt: skip
        complete = verification_uri_complete
        self.__attrs_init__(
            required_text("device_code", device_code),
            required_text("user_code", user_code),
            required_text("verification_uri", verification_uri),
            None if complete is None else required_text("verification_uri_complete", complete),
            expiry(expires_at, expires_in),
            None if interval is None else checked_seconds("interval", interval),
            kwargs,
        )

    def is_expired(self, leeway: float = 0) -> bool | None:
        """Whether the codes expired more than `leeway` seconds ago; None if unknown."""
        return is_past(self.expires_at, leeway)

    def __repr__(self) -> str:
        """The user-facing members; the device code stays out."""
        expires = None if self.expires_at is None else self.expires_at.isoformat()
        return (
            f"{type(self).__name__}(device_code={REDACTED!r}, user_code={self.user_code!r},"
            f" verification_uri={self.verification_uri!r}, expires_at={expires!r},"
            f" interval={self.interval!r})"
        )


def checked_device_code(device_code: object) -> str:
    """The device code of a `DeviceAuthorizationResponse`, or a non-empty str as is."""
    if isinstance(device_code, DeviceAuthorizationResponse):
        return device_code.device_code
    if isinstance(device_code, str) and device_code:
        return device_code
    raise MissingDeviceCode(device_code)


class DeviceAuthorizationPoolingJob(BaseTokenEndpointPoolingJob):
    """Poll the token endpoint with a device code until the user approved it.

    ``token = None; while token is None: token = job()``. The interval comes from the
    `interval` argument, else from the response, else 5 seconds; see
    `BaseTokenEndpointPoolingJob` for what each call does.

    Args:
        client: the client that polls.
        device_code: a `DeviceAuthorizationResponse`, or its device code.
        interval: seconds to wait before each poll (0: none), instead of the response's.
        slow_down_interval: seconds added to the interval on each ``slow_down``.
        requests_kwargs: extra arguments for `requests` on each poll.
        sleeper: what waits (`time.sleep` by default).
        **token_kwargs: extra parameters of each token request (``dpop_key``, ...).

    Raises:
        MissingDeviceCode: `device_code` is neither of the above.
        InvalidParam: another argument is unusable.
    """

    def __init__(
        self, client: OAuth2Client, device_code: str | DeviceAuthorizationResponse,
        interval: float | None = None, slow_down_interval: float = SLOW_DOWN_INTERVAL,
        requests_kwargs: dict[str, Any] | None = None, *,
        sleeper: Callable[[float], object] = time.sleep, **token_kwargs: Any,
    ) -> None:  # fmt: skip
        checked_device_code(device_code)
        interval = poll_interval(interval, device_code)  # 0 is an interval (upstream lost it)
        super().__init__(
            client, requests_kwargs, token_kwargs, slow_down_interval, interval, sleeper=sleeper
        )
        self.device_code = device_code

    def token_request(self) -> BearerToken:
        """Send one device code token request."""
        return self.client.device_code(
            self.device_code, requests_kwargs=self.requests_kwargs or None, **self.token_kwargs
        )

    def _identity(self) -> tuple[Any, ...]:
        return (*super()._identity(), self.device_code)


def authorize_device(
    client: OAuth2Client, requests_kwargs: dict[str, Any] | None = None, **data: Any
) -> DeviceAuthorizationResponse:
    """The operation: start a device authorization; `data` is sent as the form.

    ``scope`` may be a str or an iterable of strs; other parameters (``resource``,
    ``authorization_details``, ...) are sent as they are.

    Raises:
        MissingEndpointUri: the client has no ``device_authorization_endpoint``.
        EndpointError: the server refused; the class registered for its code, else a
            `DeviceAuthorizationError`.
        InvalidDeviceAuthorizationResponse: the server's answer is unusable.
    """
    if "scope" in data:
        data["scope"] = normalize_scope(data["scope"])
    try:
        result = client.call(ENDPOINT, data, requests_kwargs=requests_kwargs)
    except OAuth2Error as exc:
        mine = narrowed(exc, DeviceAuthorizationError, InvalidDeviceAuthorizationResponse)
        if mine is exc:
            raise
        raise mine from exc
    if not isinstance(result, DeviceAuthorizationResponse):
        msg = f"a parse hook turned the device authorization into a {type(result).__name__}"
        raise PluginError(msg)
    return result


@hookimpl(trylast=True)
def oauth2kit_parse_response(call: EndpointCall, response: EndpointResponse) -> object | None:
    """Build a `DeviceAuthorizationResponse` from the endpoint's JSON answer.

    A plugin that overrides this returns a `DeviceAuthorizationResponse` too.
    """
    if call.endpoint != ENDPOINT:
        return None
    data = response.data
    if data is None:
        message = f"the device authorization endpoint answered {response.describe()}"
        raise InvalidDeviceAuthorizationResponse(response.response, call.client, message)
    if missing := [name for name in _REQUIRED if name not in data]:
        message = f"the device authorization response lacks {', '.join(missing)}"
        raise InvalidDeviceAuthorizationResponse(response.response, call.client, message)
    try:
        return DeviceAuthorizationResponse(**data)
    except (InvalidParam, TypeError) as exc:  # TypeError: a member named like no argument can be
        message = f"unusable device authorization response: {exc}"
        raise InvalidDeviceAuthorizationResponse(response.response, call.client, message) from exc


@hookimpl
def oauth2kit_register_settings(registry: Registry[Setting]) -> None:
    """The device authorization endpoint."""
    registry.add(ENDPOINT, Setting(endpoint=True))


@hookimpl
def oauth2kit_register_operations(registry: Registry[Any]) -> None:
    """Make ``client.authorize_device()`` available."""
    registry.add("authorize_device", authorize_device)


@hookimpl
def oauth2kit_register_error_codes(registry: Registry[type[EndpointError]]) -> None:
    """Map ``authorization_pending``, ``slow_down`` and ``expired_token`` (device flow and CIBA)."""
    for code, cls in POLLING_ERRORS.items():
        registry.add(code, cls)


DeviceAuthorizationPollingJob = DeviceAuthorizationPoolingJob
"""The spelling of requests_oauth2client 1.8 and later, for the same class."""

EXPORTS: Final = (
    DeviceAuthorizationResponse, DeviceAuthorizationPoolingJob, BaseTokenEndpointPoolingJob,
    DeviceAuthorizationError, InvalidDeviceAuthorizationResponse, AuthorizationPending, SlowDown,
    ExpiredToken,
)  # fmt: skip


@hookimpl
def oauth2kit_register_extensions(registry: Registry[object]) -> None:
    """Export the responses, the polling jobs and the exceptions from the package root."""
    for cls in EXPORTS:
        registry.add(cls.__name__, cls)
    registry.add("DeviceAuthorizationPollingJob", DeviceAuthorizationPollingJob)
    registry.add("BaseTokenEndpointPollingJob", BaseTokenEndpointPollingJob)
