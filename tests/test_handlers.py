"""Auth handlers without a server: renewal rules and single-flight error sharing.

A fake client stands in for OAuth2Client here, to make a renewal fail or stall on demand;
the same behaviour against the real server is in test_client_credentials_integration.py.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests

from oauth2kit import (
    BearerToken,
    ExpiredAccessToken,
    InvalidParam,
    NonRenewableTokenError,
    OAuth2AccessTokenAuth,
    OAuth2ClientCredentialsAuth,
    OAuth2KitError,
)


class FakeClient:
    def __init__(
        self, *, fail: BaseException | None = None, delay: float = 0.0, lifetime: float = 3600
    ) -> None:
        self.calls = 0
        self.fail = fail
        self.lifetime = lifetime
        self.delay = delay
        self.lock = threading.Lock()

    def client_credentials(self, **kwargs: Any) -> BearerToken:
        with self.lock:
            self.calls += 1
        time.sleep(self.delay)
        if self.fail is not None:
            raise self.fail
        # expires_at to the microsecond (expires_in would be cut to whole seconds).
        expires_at = datetime.now(tz=UTC) + timedelta(seconds=self.lifetime)
        return BearerToken(f"at{self.calls}", expires_at=expires_at, **kwargs)


def prepared() -> requests.PreparedRequest:
    return requests.Request("GET", "https://rs.example/").prepare()


def test_token_kwargs_reach_every_renewal() -> None:
    client = FakeClient()
    auth = OAuth2ClientCredentialsAuth(client, scope="a", audience="x")  # type: ignore[arg-type]
    for renewal in (1, 2):
        auth(prepared())
        assert auth.token is not None
        assert (str(auth.token), auth.token.scope, auth.token.audience) == (
            f"at{renewal}",
            "a",
            "x",
        )
        auth.forget_token()


def test_forget_token_forces_a_new_one() -> None:
    client = FakeClient()
    auth = OAuth2ClientCredentialsAuth(client)  # type: ignore[arg-type]
    auth(prepared())
    auth(prepared())
    auth.forget_token()
    assert auth(prepared()).headers["Authorization"] == "Bearer at2"
    assert client.calls == 2


def errors_in_threads(auth: OAuth2ClientCredentialsAuth, threads: int = 8) -> list[BaseException]:
    """Send a request with `auth` from `threads` threads at once; return what they raised."""
    errors: list[BaseException] = []
    barrier = threading.Barrier(threads)

    def worker() -> None:
        barrier.wait()
        try:
            auth(prepared())
        except BaseException as exc:  # noqa: BLE001 - collected for the assertions
            errors.append(exc)

    workers = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    return errors


def test_failed_renewal_is_shared_by_waiting_threads() -> None:
    original = OAuth2KitError("renewal failed")
    client = FakeClient(fail=original, delay=0.3)
    auth = OAuth2ClientCredentialsAuth(client)  # type: ignore[arg-type]

    errors = errors_in_threads(auth)

    assert client.calls == 1
    assert len(errors) == 8
    assert all(type(e) is OAuth2KitError and str(e) == "renewal failed" for e in errors)
    # The leader raises the original; each waiter raises its own copy, caused by it, so
    # that no traceback collects the frames of every thread.
    assert sum(e is original for e in errors) == 1
    waiters = [e for e in errors if e is not original]
    assert len({id(e) for e in waiters}) == 7
    assert all(e.__cause__ is original for e in waiters)
    # The next request after the failure tries again.
    with pytest.raises(OAuth2KitError):
        auth(prepared())
    assert client.calls == 2


def test_an_interrupted_renewal_is_not_an_interrupt_in_other_threads() -> None:
    client = FakeClient(fail=KeyboardInterrupt(), delay=0.3)
    errors = errors_in_threads(OAuth2ClientCredentialsAuth(client))  # type: ignore[arg-type]
    assert client.calls == 1
    assert sorted(type(e).__name__ for e in errors) == [
        "KeyboardInterrupt",
        *["NonRenewableTokenError"] * 7,
    ]


def test_a_short_lived_token_is_renewed_halfway_not_at_every_request() -> None:
    client = FakeClient(lifetime=1.0)
    auth = OAuth2ClientCredentialsAuth(client, leeway=20)  # type: ignore[arg-type]
    for _ in range(5):
        auth(prepared())
    assert client.calls == 1
    time.sleep(0.6)  # past half the token's life, before its expiry
    assert auth(prepared()).headers["Authorization"] == "Bearer at2"
    assert client.calls == 2


def test_a_leeway_change_applies_to_the_current_token() -> None:
    client = FakeClient(lifetime=1.0)
    auth = OAuth2ClientCredentialsAuth(client, leeway=0)  # type: ignore[arg-type]
    auth(prepared())
    time.sleep(0.6)
    auth(prepared())
    assert client.calls == 1  # with no leeway, due only at expiry
    auth.leeway = 20  # now due halfway, which has passed
    assert auth(prepared()).headers["Authorization"] == "Bearer at2"
    assert client.calls == 2


def test_access_token_auth_without_token_cannot_renew() -> None:
    auth = OAuth2AccessTokenAuth(FakeClient())  # type: ignore[arg-type]
    with pytest.raises(NonRenewableTokenError):
        auth(prepared())


def test_access_token_auth_without_refresh_token_uses_token_until_it_expires() -> None:
    auth = OAuth2AccessTokenAuth(FakeClient(), token=BearerToken("at", expires_in=5))  # type: ignore[arg-type]
    # Due (within the 20 s leeway), not expired: renewal finds no refresh token, and the
    # token is sent as it is.
    assert auth(prepared()).headers["Authorization"] == "Bearer at"
    auth.token = BearerToken("at", expires_in=-1)
    with pytest.raises(ExpiredAccessToken):
        auth(prepared())


def test_string_token_and_no_expiry() -> None:
    auth = OAuth2AccessTokenAuth(FakeClient(), token="plain")  # type: ignore[arg-type]
    assert isinstance(auth.token, BearerToken)
    assert auth(prepared()).headers["Authorization"] == "Bearer plain"


def test_repr_is_redacted() -> None:
    auth = OAuth2AccessTokenAuth(FakeClient(), token="very-secret")  # type: ignore[arg-type]
    assert "very-secret" not in repr(auth)


class RefreshingClient:
    """Answers refreshes like a server that does not rotate: no refresh_token in the answer."""

    def __init__(self) -> None:
        self.refreshed_with: list[str] = []

    def refresh_token(self, token: BearerToken, **kwargs: Any) -> BearerToken:
        assert token.refresh_token is not None
        self.refreshed_with.append(token.refresh_token)
        return BearerToken(f"at{len(self.refreshed_with)}", expires_in=3600)


def test_an_expired_token_is_refreshed_with_its_refresh_token() -> None:
    client = RefreshingClient()
    auth = OAuth2AccessTokenAuth(client, BearerToken("at0", expires_in=-1, refresh_token="rt"))  # type: ignore[arg-type]
    assert auth(prepared()).headers["Authorization"] == "Bearer at1"
    assert client.refreshed_with == ["rt"]


@pytest.mark.parametrize("leeway", [-1, "20", float("nan"), float("inf"), True])
def test_bad_leeway_is_refused(leeway: Any) -> None:
    with pytest.raises(InvalidParam, match="leeway must be a number of seconds"):
        OAuth2ClientCredentialsAuth(FakeClient(), leeway=leeway)  # type: ignore[arg-type]
    auth = OAuth2ClientCredentialsAuth(FakeClient())  # type: ignore[arg-type]
    with pytest.raises(InvalidParam):
        auth.leeway = leeway


def test_handler_arguments_are_checked() -> None:
    with pytest.raises(InvalidParam, match="token must be a BearerToken or an access token str"):
        OAuth2AccessTokenAuth(FakeClient(), token=123)  # type: ignore[arg-type]
    with pytest.raises(InvalidParam, match="token_kwargs cannot hold refresh_token"):
        OAuth2AccessTokenAuth(FakeClient(), token="at", refresh_token="zzz")  # type: ignore[arg-type]


def test_a_token_passed_in_within_the_leeway_is_renewed_at_once() -> None:
    client = RefreshingClient()
    restored = BearerToken("old", expires_in=10, refresh_token="rt")
    auth = OAuth2AccessTokenAuth(client, token=restored, leeway=20)  # type: ignore[arg-type]
    assert auth(prepared()).headers["Authorization"] == "Bearer at1"
    assert client.refreshed_with == ["rt"]


def test_forget_token_keeps_the_refresh_token_for_the_next_request() -> None:
    client = RefreshingClient()
    token = BearerToken("old", expires_in=3600, refresh_token="rt")
    auth = OAuth2AccessTokenAuth(client, token=token)  # type: ignore[arg-type]
    assert auth(prepared()).headers["Authorization"] == "Bearer old"
    auth.forget_token()
    assert auth.token is None  # as upstream
    assert auth(prepared()).headers["Authorization"] == "Bearer at1"
    assert client.refreshed_with == ["rt"]


def test_setters_and_forget_token_while_threads_send_requests() -> None:
    # Each setter replaces the handler's state whole: no request may see half a change (a
    # deadline without its token), whatever the interleaving.
    auth = OAuth2ClientCredentialsAuth(FakeClient(lifetime=1.0))  # type: ignore[arg-type]
    errors: list[BaseException] = []
    stop = threading.Event()

    def send() -> None:
        while not stop.is_set():
            try:
                header = auth(prepared()).headers["Authorization"]
                assert header.startswith("Bearer ")
            except BaseException as exc:  # noqa: BLE001 - collected for the assertions
                errors.append(exc)
                return

    def meddle() -> None:
        n = 0
        until = time.monotonic() + 1.0
        while time.monotonic() < until:
            auth.forget_token()  # often while a sender renews
            if n % 5 == 0:
                auth.leeway = n % 3
            if n % 11 == 0:
                auth.token = BearerToken(f"set{n}", expires_in=3600)
            n += 1

    senders = [threading.Thread(target=send, daemon=True) for _ in range(3)]
    for thread in senders:
        thread.start()
    meddle()
    stop.set()
    for thread in senders:
        thread.join(timeout=30)
    assert errors == []
