"""Polling the token endpoint until a decoupled flow completes: device authorization and CIBA.

Not a plugin: the shared base of `DeviceAuthorizationPoolingJob` and
`BackChannelAuthenticationPoolingJob`, the exceptions of the answers a poll gets, and the
checks their responses share. The ``endpoint.device_authorization`` plugin registers the
error codes; the job itself goes by the code a server answered, so that polling works
whichever plugin maps it to a class.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Final, cast

from oauth2kit import (
    EndpointError,
    InvalidParam,
    OAuth2Client,
    OAuth2Error,
    TokenEndpointError,
    parse_expires_in,
    shown,
)

if TYPE_CHECKING:
    from oauth2kit import BearerToken

DEFAULT_INTERVAL: Final = 5  # seconds: RFC 8628 section 3.2 and CIBA Core section 7.3
SLOW_DOWN_INTERVAL: Final = 5  # seconds added on each slow_down (RFC 8628 section 3.5)
REDACTED: Final = "***"


class AuthorizationPending(TokenEndpointError):
    """``authorization_pending``: the user has not approved or denied the request yet."""


class SlowDown(TokenEndpointError):
    """``slow_down``: polling too often; wait `slow_down_interval` seconds more from now on."""


class ExpiredToken(TokenEndpointError):
    """``expired_token``: the device code or ``auth_req_id`` expired; start the flow again."""


POLLING_ERRORS: Final[dict[str, type[EndpointError]]] = {
    "authorization_pending": AuthorizationPending,
    "slow_down": SlowDown,
    "expired_token": ExpiredToken,
}


def required_text(name: str, value: object) -> str:
    """`value` if it is a non-empty str; the message names its type only (it may be a secret)."""
    if not isinstance(value, str) or not value:
        raise InvalidParam(f"{name} must be a non-empty str, got {type(value).__name__}")
    return value


LONGEST_WAIT = 7 * 24 * 3600
"""Seconds: the longest interval or lifetime taken from a server (a week). Beyond, sleeping
or adding it to a date overflows, long before it means anything."""


def checked_seconds(name: str, value: object) -> float:
    """`value` if it is a number of seconds from 0 (poll without waiting) to `LONGEST_WAIT`."""
    if (
        not isinstance(value, int | float)
        or isinstance(value, bool)
        or not 0 <= value <= LONGEST_WAIT  # NaN fails this too
    ):
        msg = f"{name} must be a number of seconds from 0 to {LONGEST_WAIT}"
        raise InvalidParam(f"{msg}, got {shown(value)}")
    return value


def expiry(expires_at: object, expires_in: object) -> datetime | None:
    """When a response expires: `expires_at` (naive means UTC), or `expires_in` from now."""
    if expires_in is not None:
        if expires_at is not None:
            raise InvalidParam("pass expires_at or expires_in, not both")
        seconds = parse_expires_in(expires_in)
        now = datetime.now(tz=UTC).replace(microsecond=0)  # whole seconds, as for tokens
        return None if seconds is None else now + timedelta(seconds=seconds)
    if expires_at is None:
        return None
    if not isinstance(expires_at, datetime):
        raise InvalidParam(f"expires_at must be a datetime, got {type(expires_at).__name__}")
    return expires_at if expires_at.tzinfo is not None else expires_at.replace(tzinfo=UTC)


def narrowed(
    exc: OAuth2Error, error_class: type[EndpointError], invalid_class: type[OAuth2Error]
) -> OAuth2Error:
    """`exc`, or the endpoint's own class where the standard parser fell back to a generic one.

    An error code that no plugin maps gives a plain `EndpointError`, which becomes
    `error_class`; an answer that is not an OAuth 2.0 error, a plain `OAuth2Error`, becomes
    `invalid_class`. A class that a plugin chose is kept.
    """
    if type(exc) is EndpointError:
        return error_class(exc.response, exc.client, exc.error, exc.description, exc.uri)
    if type(exc) is OAuth2Error:
        return invalid_class(exc.response, exc.client, exc.description)
    return exc


def is_past(expires_at: datetime | None, leeway: object) -> bool | None:
    """Whether `expires_at` is more than `leeway` seconds ago; None when there is no expiry.

    As upstream has it for these responses, the leeway extends their validity (for tokens
    it shortens it).
    """
    if not isinstance(leeway, int | float) or isinstance(leeway, bool):
        raise InvalidParam(f"leeway must be a number of seconds, got {type(leeway).__name__}")
    if expires_at is None:
        return None
    return datetime.now(tz=UTC) - timedelta(seconds=leeway) > expires_at


def poll_interval(interval: float | None, started: object) -> float:
    """`interval` if given (0 is one), else the one the flow's start answered, else 5 seconds.

    `started` is the response that started the flow, or the bare code (which has none).
    """
    if interval is not None:
        return interval
    answered: float | None = getattr(started, "interval", None)
    return DEFAULT_INTERVAL if answered is None else answered


class BaseTokenEndpointPoolingJob:
    """Poll the token endpoint: call the job until it returns a token.

    Each call waits `interval` seconds, then sends one token request. It returns None while
    the user has not decided (``authorization_pending``) and when the server asks to slow
    down (``slow_down``, which adds `slow_down_interval` to `interval` for this and every
    later call); it returns the token once the user approved, and raises anything else:
    `ExpiredToken` once the request expired, ``AccessDenied`` if the user refused, ...
    Calls from several threads poll one at a time, so the interval holds across them.

    Subclasses implement `token_request`; `sleep`, `authorization_pending` and `slow_down`
    may be overridden too. Jobs compare equal by value.

    Args:
        client: the client that polls.
        requests_kwargs: extra arguments for `requests` on each poll.
        token_kwargs: extra parameters of each token request.
        slow_down_interval: seconds added to `interval` on each ``slow_down``.
        interval: seconds to wait before each poll; 0 does not wait.
        sleeper: what waits, called with the seconds: `time.sleep` by default; a
            `threading.Event`'s ``wait`` makes polling cancellable.

    Raises:
        InvalidParam: an argument is unusable.
    """

    def __init__(
        self, client: OAuth2Client, requests_kwargs: Mapping[str, Any] | None = None,
        token_kwargs: Mapping[str, Any] | None = None,
        slow_down_interval: float = SLOW_DOWN_INTERVAL, interval: float = DEFAULT_INTERVAL, *,
        sleeper: Callable[[float], object] = time.sleep,
    ) -> None:  # fmt: skip
        if not isinstance(cast("object", client), OAuth2Client):
            msg = f"{type(self).__name__} needs an OAuth2Client, got {type(client).__name__}"
            raise InvalidParam(msg)
        for name, value in (("requests_kwargs", requests_kwargs), ("token_kwargs", token_kwargs)):
            if value is not None and not isinstance(value, Mapping):
                raise InvalidParam(f"{name} must be a mapping, got {type(value).__name__}")
        if not callable(sleeper):
            raise InvalidParam(f"sleeper must be callable, got {type(sleeper).__name__}")
        self.client = client
        self.requests_kwargs = dict(requests_kwargs or {})
        self.token_kwargs = dict(token_kwargs or {})
        self.slow_down_interval = checked_seconds("slow_down_interval", slow_down_interval)
        self.interval = checked_seconds("interval", interval)
        self.sleeper = sleeper
        self._lock = threading.Lock()

    def __call__(self) -> BearerToken | None:
        """Wait, poll once, and return the token, or None if the flow is not complete yet."""
        with self._lock:
            self.sleep()
            try:
                return self.token_request()
            except EndpointError as exc:
                # By the code the server answered, not by class: the class is whatever the
                # installed plugins map it to, and polling must not depend on that.
                if exc.error == "authorization_pending":
                    self.authorization_pending()
                    return None
                if exc.error == "slow_down":
                    self.slow_down()
                    return None
                raise

    def sleep(self) -> None:
        """Wait `interval` seconds before a poll."""
        if self.interval:
            self.sleeper(self.interval)

    def token_request(self) -> BearerToken:
        """Send one token request; subclasses implement it with their grant."""
        raise NotImplementedError

    def authorization_pending(self) -> None:
        """Called when the user has not decided yet; nothing to do but poll again."""

    def slow_down(self) -> None:
        """Called on ``slow_down``: poll `slow_down_interval` seconds less often from now on."""
        self.interval += self.slow_down_interval

    def _identity(self) -> tuple[Any, ...]:
        """What makes two jobs equal; subclasses add what they poll for."""
        return (
            type(self), self.client, self.requests_kwargs, self.token_kwargs,
            self.slow_down_interval, self.interval,
        )  # fmt: skip

    def __eq__(self, other: object) -> bool:
        """Jobs of the same kind, client, parameters and intervals are equal, as upstream."""
        if not isinstance(other, BaseTokenEndpointPoolingJob):
            return NotImplemented
        return self._identity() == other._identity()

    __hash__ = None  # type: ignore[assignment] # mutable (the interval grows): not hashable

    def __repr__(self) -> str:
        """The job's kind, client and intervals; what it polls for stays out (a secret)."""
        return (
            f"{type(self).__name__}(client={self.client!r}, interval={self.interval!r},"
            f" slow_down_interval={self.slow_down_interval!r})"
        )


BaseTokenEndpointPollingJob = BaseTokenEndpointPoolingJob
"""The spelling of requests_oauth2client 1.8 and later, for the same class."""
