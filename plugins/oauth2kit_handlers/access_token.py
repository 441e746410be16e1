"""`OAuth2AccessTokenAuth`: send a token, renew it ahead of expiry, one renewal at a time.

Entry point ``handler.access_token``. Subclasses only override `renew_token`.
"""

from __future__ import annotations

import copy
import math
import threading
import time
from typing import TYPE_CHECKING, Any

import requests.auth

from oauth2kit import BearerToken, InvalidParam, NonRenewableTokenError
from oauth2kit.hookspecs import hookimpl

if TYPE_CHECKING:
    from oauth2kit import OAuth2Client, Registry


class _Renewal:
    """One renewal in flight: the thread that runs it publishes the outcome to the waiters.

    (concurrent.futures.Future would do, but importing it costs more than this class.)
    """

    def __init__(self) -> None:
        self._done = threading.Event()
        self._token: BearerToken | None = None
        self._error: BaseException | None = None

    def finish(self, token: BearerToken | None, error: BaseException | None = None) -> None:
        self._token, self._error = token, error
        self._done.set()

    def outcome(self) -> BearerToken | None:
        self._done.wait()
        error = self._error
        if error is None:
            return self._token
        if not isinstance(error, Exception):  # KeyboardInterrupt, SystemExit: not ours to raise
            msg = f"the token renewal was interrupted in another thread ({type(error).__name__})"
            raise NonRenewableTokenError(msg) from error
        # Each waiter raises a copy, caused by the leader's exception: raising the one shared
        # object in many threads would pile all their frames onto its single traceback.
        try:
            mine = copy.copy(error)
        except Exception:  # noqa: BLE001 - a foreign exception that cannot be copied
            mine = error
        if mine is error:
            raise error
        raise mine from error


def _checked_leeway(leeway: object) -> float:
    if isinstance(leeway, int | float) and not isinstance(leeway, bool) and 0 <= leeway < math.inf:
        return leeway
    msg = f"leeway must be a number of seconds >= 0, got {leeway!r}"
    raise InvalidParam(msg)


def _checked_token(token: object) -> BearerToken | None:
    if isinstance(token, str):
        return BearerToken(token)
    if token is None or isinstance(token, BearerToken):
        return token
    msg = f"token must be a BearerToken or an access token str, got {type(token).__name__}"
    raise InvalidParam(msg)


class OAuth2AccessTokenAuth(requests.auth.AuthBase):
    """A requests auth handler that sends an access token and renews it when needed.

    The token is renewed once it expires within `leeway` seconds; a token that lives less
    than twice the leeway is renewed halfway through its life instead, rather than on every
    request. Renewal is single-flight:
    however many threads find the token due at once, one of them renews it and the others
    wait for that result (or its exception) instead of sending requests of their own, which
    matters with refresh tokens that rotate.

    Args:
        client: the client that renews the token.
        token: the current token, as a `BearerToken` or an access token string.
        leeway: seconds before expiry at which the token is renewed.
        **token_kwargs: extra parameters for every renewal request.
    """

    def __init__(
        self,
        client: OAuth2Client,
        token: str | BearerToken | None = None,
        *,
        leeway: float = 20,
        **token_kwargs: Any,
    ) -> None:
        if "refresh_token" in token_kwargs:
            msg = "the refresh token comes from the current token, not from token_kwargs"
            raise InvalidParam(msg)
        self.client = client
        self._leeway = _checked_leeway(leeway)
        self.token_kwargs = token_kwargs
        self._lock = threading.Lock()
        self._renewal: _Renewal | None = None
        self._renew_at = -math.inf
        self.token = token

    @property
    def leeway(self) -> float:
        """Seconds before expiry at which the token is renewed; a change applies at once."""
        return self._leeway

    @leeway.setter
    def leeway(self, leeway: float) -> None:
        self._leeway = _checked_leeway(leeway)
        if self._token is not None:
            self._renew_at = self._deadline(self._token)

    def _deadline(self, token: BearerToken) -> float:
        """When to renew `token`: `leeway` before it expires, but not before half its life.

        A token that lives less than twice the leeway would otherwise be due as soon as it
        arrives, and every request would fetch a new one.
        """
        expires_at = token.expires_at
        if expires_at is None:
            return math.inf
        expiry = expires_at.timestamp()
        return expiry - min(self._leeway, max(0.0, expiry - self._stored_at) / 2)

    @property
    def token(self) -> BearerToken | None:
        """The current token; None until one is obtained or after `forget_token`."""
        return self._token

    @token.setter
    def token(self, token: str | BearerToken | None) -> None:
        token = _checked_token(token)
        # Readers check _renew_at before reading _token: close the fast path first, so that
        # no reader pairs the new token with the old deadline.
        self._renew_at = -math.inf
        self._token = token
        self._stored_at = time.time()
        # A token that only sets its header (not one that signs each request, like DPoP)
        # gets that header set directly on the fast path.
        self._header = (
            (token.AUTHORIZATION_HEADER, token.authorization_header())
            if token is not None and type(token).__call__ is BearerToken.__call__
            else None
        )
        if token is not None:
            self._renew_at = self._deadline(token)

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        """Add the token to `request`, renewing it first if it is due."""
        # The fast path, taken by nearly every request: one clock read, no lock, no hook.
        # The renewal deadline comes before expiry, so the token cannot have expired here.
        if time.time() < self._renew_at:
            header = self._header
            if header is None:
                return self._token(request)  # type: ignore[misc] # set when _renew_at is finite
            request.headers[header[0]] = header[1]
            return request
        token = self._renewed_token()
        if token is None:
            msg = f"{type(self).__name__} has no token and cannot obtain one"
            raise NonRenewableTokenError(msg)
        return token(request)

    def _renewed_token(self) -> BearerToken | None:
        """Renew the token unless another thread is doing it; then share its outcome."""
        with self._lock:
            if time.time() < self._renew_at:
                return self._token
            renewal = self._renewal
            leader = renewal is None
            if renewal is None:
                renewal = self._renewal = _Renewal()
        if not leader:
            return renewal.outcome()
        try:
            self.renew_token()
        except BaseException as exc:
            renewal.finish(None, exc)
            raise
        else:
            renewal.finish(self._token)
        finally:
            with self._lock:
                self._renewal = None
        return self._token

    def renew_token(self) -> None:
        """Obtain a new token and store it in `token`; here, with the token's refresh token.

        Without a refresh token nothing happens, and the current token is used until it
        really expires (then `ExpiredAccessToken` is raised). A server that does not rotate
        refresh tokens may leave the refresh token out of its answer (RFC 6749 section 6);
        the current one is then kept for the next renewal.
        """
        token = self.token
        if token is None or token.refresh_token is None:
            return
        fresh = self.client.refresh_token(token, **self.token_kwargs)
        if fresh.refresh_token is None:
            fresh.refresh_token = token.refresh_token
        self.token = fresh

    def forget_token(self) -> None:
        """Drop the current token, so that the next request obtains a new one."""
        self.token = None

    def __repr__(self) -> str:
        """Name the client and show the (redacted) token."""
        return f"{type(self).__name__}(client={self.client!r}, token={self._token!r})"


@hookimpl
def oauth2kit_register_extensions(registry: Registry[object]) -> None:
    """Export `OAuth2AccessTokenAuth` from the package root."""
    registry.add("OAuth2AccessTokenAuth", OAuth2AccessTokenAuth)
