"""`OAuth2AccessTokenAuth`: send a token, renew it ahead of expiry, one renewal at a time.

Entry point ``handler.access_token``. Subclasses only override `renew_token`.
"""

from __future__ import annotations

import copy
import math
import os
import threading
import time
import weakref
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeAlias

import requests.auth

from oauth2kit import (
    MAX_ATTEMPTS,
    MAX_RETRY_DELAY,
    BearerToken,
    InvalidParam,
    OAuth2Client,
    OAuth2KitError,
    hookimpl,
    shown,
)

if TYPE_CHECKING:
    from oauth2kit import Registry


class NonRenewableTokenError(OAuth2KitError):
    """An auth handler has no valid token and no way to obtain one."""


# A token for a request, and the header to set instead of calling the token: given for a
# token that only sets a header and needs no expiry check of its own, because it was valid
# when the handler checked it, or because it has just come from the server.
_Sendable: TypeAlias = tuple["BearerToken | None", tuple[str, str] | None]


def _header_of(token: BearerToken | None) -> tuple[str, str] | None:
    """The header that `token` sets, if that is all it does (not one that signs, like DPoP)."""
    if token is None or type(token).__call__ is not BearerToken.__call__:
        return None
    return (token.AUTHORIZATION_HEADER, token.authorization_header())


def _wait_limit(client: OAuth2Client, token_kwargs: Mapping[str, Any]) -> float | None:
    """How long a thread waits for another's renewal: that call's own deadline, and a margin.

    Each of its attempts ends within its timeout (the call's own ``requests_kwargs`` one, or
    the client's; a ``(connect, read)`` pair counts as their sum), and the kernel waits at
    most `MAX_RETRY_DELAY` between attempts. Without a timeout, or with a part of it None,
    a waiter waits as long as the renewal takes.
    """
    given = token_kwargs.get("requests_kwargs")
    timeout = client.transport.timeout
    if isinstance(given, Mapping) and "timeout" in given:
        timeout = given["timeout"]
    parts = timeout if isinstance(timeout, tuple) else (timeout,)
    if not all(isinstance(part, int | float) for part in parts):  # None: no deadline at all
        return None
    return MAX_ATTEMPTS * sum(parts) + (MAX_ATTEMPTS - 1) * MAX_RETRY_DELAY + _MARGIN


_MARGIN = 2.0  # seconds: for the renewal's own work around its request


class _Renewal:
    """One renewal in flight: the thread that runs it publishes the outcome to the waiters.

    (concurrent.futures.Future would do, but importing it costs more than this class.)
    """

    def __init__(self) -> None:
        self.leader = threading.get_ident()  # the thread that renews, to tell re-entry
        self._done = threading.Event()
        self._sendable: _Sendable = (None, None)
        self._error: BaseException | None = None

    def finish(self, sendable: _Sendable, error: BaseException | None = None) -> None:
        self._sendable, self._error = sendable, error
        self._done.set()

    def outcome(self, limit: float | None) -> _Sendable:
        """The leader's result, or its exception; waits at most `limit` seconds for it."""
        if not self._done.wait(limit):
            msg = f"the token renewal under way in another thread took over {limit:g} s"
            raise NonRenewableTokenError(msg)
        error = self._error
        if error is None:
            return self._sendable
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
    if isinstance(leeway, int | float) and not isinstance(leeway, bool):
        try:
            if 0 <= float(leeway) < math.inf:  # an int past float's range overflows here
                return leeway
        except OverflowError:
            pass
    raise InvalidParam(f"leeway must be a finite number of seconds >= 0, got {shown(leeway)}")


def _checked_client(handler: object, client: object) -> OAuth2Client:
    if isinstance(client, OAuth2Client):
        return client
    # The type only: a value passed by mistake may be a secret (a client secret, a token).
    name = type(handler).__name__
    msg = f"{name} needs an OAuth2Client as its client, got {type(client).__name__}"
    raise InvalidParam(msg)


def _checked_token(token: object) -> BearerToken | None:
    if isinstance(token, str):
        return BearerToken(token)
    if token is None or isinstance(token, BearerToken):
        return token
    msg = f"token must be a BearerToken or an access token str, got {type(token).__name__}"
    raise InvalidParam(msg)


# What the fast path reads, replaced whole so that no reader sees half a change:
# (renew_at: the time.time() from which the token is due for renewal,
#  header: the header to set, for tokens that only set one,
#  token,
#  lifetime: the token's whole life, when this handler obtained it,
#  forgotten: forget_token() was called; the token is kept only for its refresh token).
# A plain tuple rather than a NamedTuple: CPython indexes exact tuples fastest.
_State: TypeAlias = tuple[float, tuple[str, str] | None, "BearerToken | None", float | None, bool]
_NO_TOKEN: _State = (-math.inf, None, None, None, False)

# The live handlers, for the fork hook: weakly, so that none is kept alive for it. One hook
# for them all, because os.register_at_fork cannot take a hook back: one per handler would
# pile up with every handler a program ever made.
_HANDLERS: weakref.WeakValueDictionary[int, OAuth2AccessTokenAuth] = weakref.WeakValueDictionary()


def _reset_after_fork() -> None:
    """In a forked child, drop the renewal state that threads of the parent left behind."""
    for handler in list(_HANDLERS.values()):
        handler._reset_renewal()  # noqa: SLF001 - this module's own class


if hasattr(os, "register_at_fork"):  # not on Windows, which has no fork
    os.register_at_fork(after_in_child=_reset_after_fork)


class OAuth2AccessTokenAuth(requests.auth.AuthBase):
    """A requests auth handler that sends an access token and renews it when needed.

    The token is renewed once it expires within `leeway` seconds. For a token that the
    handler obtained itself and that lives less than twice the leeway, halfway through its
    life instead: not at every request. Renewal is single-flight: however many threads find
    the token due at once, one of them renews it and the others wait for that result (or
    its exception) instead of sending requests of their own, which matters with refresh
    tokens that rotate. The token, the leeway and `forget_token` may be changed from any
    thread at any time.

    A token that a renewal brings is sent with the requests that waited for it even if it
    has expired by then (a server's lifetimes can be shorter than the trip): it is the
    newest there is, and the next request renews it. `ExpiredAccessToken` is raised only
    for a token that the handler cannot renew. A process forked while a renewal is in
    flight starts without it. A renewal that sends a request with this same handler (from
    a hook, say) gets `NonRenewableTokenError` there, not a wait for itself.

    Args:
        client: the client that renews the token.
        token: the current token, as a `BearerToken` or an access token string.
        leeway: seconds before expiry at which the token is renewed.
        **token_kwargs: extra parameters for every renewal request.

    Raises:
        InvalidParam: `client` is not an `OAuth2Client`, or another argument is unusable.
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
            msg = "token_kwargs cannot hold refresh_token: refreshes use the current token's"
            raise InvalidParam(msg)
        self.client = _checked_client(self, client)
        self._leeway = _checked_leeway(leeway)
        self.token_kwargs = token_kwargs
        self._lock = threading.Lock()
        self._renewal: _Renewal | None = None
        self._state = _NO_TOKEN
        self.token = token
        _HANDLERS[id(self)] = self

    def _reset_renewal(self) -> None:
        """Forget a renewal in flight and its lock, both of threads that a fork left behind."""
        self._lock = threading.Lock()
        self._renewal = None

    @property
    def leeway(self) -> float:
        """Seconds before expiry at which the token is renewed; a change applies at once."""
        return self._leeway

    @leeway.setter
    def leeway(self, leeway: float) -> None:
        leeway = _checked_leeway(leeway)
        with self._lock:
            self._leeway = leeway
            _, _, token, lifetime, forgotten = self._state
            if token is not None and not forgotten:
                self._state = self._state_for(token, lifetime)

    def _state_for(self, token: BearerToken | None, lifetime: float | None = None) -> _State:
        """The state that sends `token`, renewed `leeway` before it expires.

        For a token that this handler obtained itself, `lifetime` is known (the seconds it
        had left when it arrived), and the leeway is capped at half of it: a token that
        lives less than twice the leeway would otherwise be due as soon as it arrives, and
        every request would fetch a new one. The deadline is never past the expiry, so that
        what the fast path sends has not expired.
        """
        if token is None:
            return _NO_TOKEN
        # A token that only sets its header (not one that signs each request, like DPoP)
        # gets that header set directly on the fast path.
        header = _header_of(token)
        expires_at = token.expires_at
        if expires_at is None:
            return (math.inf, header, token, lifetime, False)
        margin = self._leeway if lifetime is None else min(self._leeway, max(lifetime, 0) / 2)
        return (expires_at.timestamp() - margin, header, token, lifetime, False)

    @property
    def token(self) -> BearerToken | None:
        """The current token; None until one is obtained, and after `forget_token`."""
        state = self._state
        return None if state[4] else state[2]

    @token.setter
    def token(self, token: str | BearerToken | None) -> None:
        checked = _checked_token(token)
        with self._lock:  # with the leeway of this moment, not of before a concurrent change
            self._state = self._state_for(checked)

    def _store_obtained(self, token: BearerToken) -> None:
        """Keep a token that this handler's own grant has just obtained, in `renew_token`.

        Unlike a token given to `token`, its whole life is known: what it has left now. So
        a short-lived one is renewed halfway through its life, also when `renew_token` was
        called directly.
        """
        checked = _checked_token(token)
        expires_at = None if checked is None else checked.expires_at
        lifetime = None if expires_at is None else expires_at.timestamp() - time.time()
        with self._lock:
            self._state = self._state_for(checked, lifetime)

    def _wait_limit(self) -> float | None:
        """How long a thread waits for another thread's renewal (None: as long as it takes)."""
        return _wait_limit(self.client, self.token_kwargs)

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        """Add the token to `request`, renewing it first if it is due."""
        # The fast path, taken by nearly every request: one clock read, no lock, no hook.
        # The state is replaced whole, never changed in place, so it is read once here.
        state = self._state
        if time.time() < state[0]:  # before expiry, so the token has not expired
            header = state[1]
            if header is None:
                return state[2](request)  # type: ignore[misc] # a token with a deadline
            request.headers[header[0]] = header[1]
            return request
        token, header = self._renewed_token()
        if header is not None:  # checked or fresh: no second check, which could find it expired
            request.headers[header[0]] = header[1]
            return request
        if token is None:
            msg = f"{type(self).__name__} has no token and cannot obtain one"
            raise NonRenewableTokenError(msg)
        return token(request)

    def _renewed_token(self) -> _Sendable:
        """Renew the token unless another thread is doing it; then share its outcome."""
        with self._lock:
            renew_at, header, before, _, _ = self._state
            if time.time() < renew_at:  # renewed by another thread meanwhile
                return before, header
            renewal = self._renewal
            leader = renewal is None
            if renewal is None:
                renewal = self._renewal = _Renewal()
            elif renewal.leader == threading.get_ident():
                msg = (
                    f"{type(self).__name__} was called by the thread that is renewing its token"
                    " (a hook or the client sent a request with this handler during the"
                    " renewal): it would wait for itself forever"
                )
                raise NonRenewableTokenError(msg)
        if not leader:
            return renewal.outcome(self._wait_limit())
        try:
            self.renew_token()
            with self._lock:
                fresh = self._state[2]
                if fresh is None or fresh is before:
                    # Not renewed: the token checks itself (ExpiredAccessToken once expired).
                    sendable: _Sendable = (fresh, None)
                else:
                    if fresh.expires_at is not None and self._state[3] is None:
                        # Obtained just now (by a renew_token that set `token`): its whole
                        # life is known, for the leeway cap.
                        lifetime = fresh.expires_at.timestamp() - time.time()
                        self._state = self._state_for(fresh, lifetime)
                    # The server's newest token is the best there is, even if it is already
                    # expired or due: it is sent without a check of its own.
                    sendable = (fresh, _header_of(fresh))
        except BaseException as exc:
            renewal.finish((None, None), exc)
            raise
        else:
            renewal.finish(sendable)
        finally:
            with self._lock:
                if self._renewal is renewal:
                    self._renewal = None
        return sendable

    def renew_token(self) -> None:
        """Obtain a new token and store it in `token`; here, with the token's refresh token.

        Without a refresh token nothing happens, and the current token is used until it
        really expires (then `ExpiredAccessToken` is raised). A server that does not rotate
        refresh tokens may leave the refresh token out of its answer (RFC 6749 section 6);
        the refresh token grant then keeps the one it used.
        """
        token = self._state[2]  # after forget_token too, for its refresh token
        if token is None or token.refresh_token is None:
            return
        self._store_obtained(self.client.refresh_token(token, **self.token_kwargs))

    def forget_token(self) -> None:
        """Make the next request obtain a new token.

        `token` is None afterwards, as upstream has it; but a token that has a refresh
        token is kept out of sight for that refresh token. While a renewal is under way,
        nothing changes: it brings a new token anyway.
        """
        with self._lock:
            if self._renewal is not None:
                return
            token = self._state[2]
            kept = token if token is not None and token.refresh_token is not None else None
            self._state = (-math.inf, None, kept, None, True)

    def __repr__(self) -> str:
        """Name the client and show the (redacted) token."""
        return f"{type(self).__name__}(client={self.client!r}, token={self.token!r})"


@hookimpl
def oauth2kit_register_extensions(registry: Registry[object]) -> None:
    """Export `OAuth2AccessTokenAuth` and `NonRenewableTokenError` from the package root."""
    registry.add("OAuth2AccessTokenAuth", OAuth2AccessTokenAuth)
    registry.add("NonRenewableTokenError", NonRenewableTokenError)
