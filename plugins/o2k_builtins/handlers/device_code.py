"""`OAuth2DeviceCodeAuth`: entry point ``handler.device_code``."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Final

from o2k_builtins.device.device_authorization import (
    DeviceAuthorizationPoolingJob,
    DeviceAuthorizationResponse,
    checked_device_code,
)
from o2k_builtins.device.polling import checked_seconds
from o2k_builtins.handlers.access_token import NonRenewableTokenError, OAuth2AccessTokenAuth
from oauth2kit import hookimpl

if TYPE_CHECKING:
    from collections.abc import Callable

    from oauth2kit import BearerToken, OAuth2Client, Registry

# Parameters of the device code exchange alone: a refresh must not send them.
EXCHANGE_ONLY: Final = frozenset({"dpop", "dpop_key"})
DEFAULT_EXPIRES_IN: Final = 360  # seconds a bare device code is polled for, as upstream


class OAuth2DeviceCodeAuth(OAuth2AccessTokenAuth):
    """A requests auth handler that obtains a token with a device code, then refreshes it.

    The first request polls the token endpoint until the user approved the device code
    (blocking; the requests of other threads wait for its outcome, however long the user
    takes, and share it, an error too), then the device code is forgotten. Later requests
    reuse the token until it expires within `leeway` seconds; then one request refreshes it
    for all threads with its refresh token. Polling stops with `NonRenewableTokenError` once
    the device code expired.

    Args:
        client: the client that polls and refreshes.
        device_code: a `DeviceAuthorizationResponse`, or its device code.
        leeway: seconds before expiry at which the token is renewed.
        interval: seconds between polls; by default the response's, else 5.
        expires_in: seconds from now after which polling stops; by default the
            response's expiry, else 360.
        token: an initial token, if one is at hand.
        sleeper: what waits between polls (`time.sleep` by default).
        **token_kwargs: extra parameters of the token requests; ``dpop`` and ``dpop_key``
            go with the device code exchange only, the others with every refresh too.

    Raises:
        MissingDeviceCode: `device_code` is neither of the above.
        InvalidParam: another argument is unusable.
    """

    def __init__(
        self, client: OAuth2Client, *, device_code: str | DeviceAuthorizationResponse,
        leeway: float = 20, interval: float | None = None, expires_in: float | None = None,
        token: str | BearerToken | None = None, sleeper: Callable[[float], object] = time.sleep,
        **token_kwargs: Any,
    ) -> None:  # fmt: skip
        checked_device_code(device_code)
        shared = {k: v for k, v in token_kwargs.items() if k not in EXCHANGE_ONLY}
        super().__init__(client, token, leeway=leeway, **shared)  # refreshes send these
        self._job = DeviceAuthorizationPoolingJob(
            self.client, device_code, interval, sleeper=sleeper, **token_kwargs
        )
        self.device_code: str | DeviceAuthorizationResponse | None = device_code
        now = datetime.now(tz=UTC)
        if expires_in is not None:
            self.expires_at = now + timedelta(seconds=checked_seconds("expires_in", expires_in))
        elif isinstance(device_code, DeviceAuthorizationResponse) and device_code.expires_at:
            self.expires_at = device_code.expires_at
        else:
            self.expires_at = now + timedelta(seconds=DEFAULT_EXPIRES_IN)

    def _reset_renewal(self) -> None:
        """After a fork, also free the polling job, whose lock a parent thread may hold."""
        super()._reset_renewal()
        self._job._lock = threading.Lock()  # noqa: SLF001 - the job of this plugin family

    @property
    def interval(self) -> float:
        """Seconds between polls, as ``slow_down`` answers have grown it."""
        return self._job.interval

    def _wait_limit(self) -> float | None:
        """No limit while the device code is pending: polling lasts as long as the user takes."""
        return None if self.device_code is not None else super()._wait_limit()

    def renew_token(self) -> None:
        """Poll with the device code if it has not been exchanged yet; otherwise refresh."""
        if self.device_code is not None:
            self.exchange_device_code_for_token()
        else:
            super().renew_token()

    def exchange_device_code_for_token(self) -> None:
        """Poll until the user approved the device code, then forget it (it works once).

        Raises:
            NonRenewableTokenError: the device code expired before the user approved it.
            OAuth2Error: the server refused (``access_denied``, ``expired_token``, ...).
        """
        if self.device_code is None:
            return
        token = None
        while token is None:
            if datetime.now(tz=UTC) > self.expires_at:
                msg = "the device code expired before the user approved it"
                raise NonRenewableTokenError(msg)
            token = self._job()
        self._store_obtained(token)
        self.device_code = None


@hookimpl
def oauth2kit_register_extensions(registry: Registry[object]) -> None:
    """Export `OAuth2DeviceCodeAuth` from the package root."""
    registry.add("OAuth2DeviceCodeAuth", OAuth2DeviceCodeAuth)
