"""Auth handlers without a server: renewal rules and single-flight error sharing.

The handlers take only an OAuth2Client; the fakes here are OAuth2Client subclasses whose
grants answer at once, without a server, to make a renewal fail, stall or re-enter on
demand. The same behaviour against the real server is in
test_client_credentials_integration.py and test_handlers_short_lived.py.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

import pytest
import requests

from oauth2kit import (
    BearerToken,
    ExpiredAccessToken,
    InvalidParam,
    NonRenewableTokenError,
    OAuth2AccessTokenAuth,
    OAuth2Client,
    OAuth2ClientCredentialsAuth,
    OAuth2KitError,
)


class FakeClient(OAuth2Client):
    """Answers the client credentials grant itself: token ``at<n>`` for its n-th call."""

    fail: BaseException | None
    delay: float
    lifetime: float
    issued: list[int]
    lock: threading.Lock

    def __init__(
        self, *, fail: BaseException | None = None, delay: float = 0.0, lifetime: float = 3600
    ) -> None:
        super().__init__("https://as.example/token", auth="fake-client", testing=True)
        fake = partial(object.__setattr__, self)  # the client is frozen; these are the fake's
        fake("fail", fail)
        fake("delay", delay)
        fake("lifetime", lifetime)
        fake("issued", [])
        fake("lock", threading.Lock())

    @property
    def calls(self) -> int:
        return len(self.issued)

    def client_credentials(self, *_: Any, **kwargs: Any) -> BearerToken:
        with self.lock:
            number = len(self.issued) + 1
            self.issued.append(number)
        time.sleep(self.delay)
        if self.fail is not None:
            raise self.fail
        # expires_at to the microsecond, from the moment of the answer.
        expires_at = datetime.now(tz=UTC) + timedelta(seconds=self.lifetime)
        return BearerToken(f"at{number}", expires_at=expires_at, **kwargs)


def prepared() -> requests.PreparedRequest:
    return requests.Request("GET", "https://rs.example/").prepare()


def test_token_kwargs_reach_every_renewal() -> None:
    client = FakeClient()
    auth = OAuth2ClientCredentialsAuth(client, scope="a", audience="x")
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
    auth = OAuth2ClientCredentialsAuth(client)
    auth(prepared())
    auth(prepared())
    auth.forget_token()
    assert auth(prepared()).headers["Authorization"] == "Bearer at2"
    assert client.calls == 2


def outcomes_in_threads(auth: OAuth2AccessTokenAuth, threads: int = 8) -> list[str | BaseException]:
    """Send a request with `auth` from `threads` threads at once.

    Returns:
        Each thread's Authorization header, or what it raised.
    """
    outcomes: list[str | BaseException] = []
    barrier = threading.Barrier(threads)

    def worker() -> None:
        barrier.wait(timeout=10)
        try:
            outcomes.append(auth(prepared()).headers["Authorization"])
        except BaseException as exc:  # noqa: BLE001 - collected for the assertions
            outcomes.append(exc)

    # Daemons, joined with a timeout: a thread stuck on a renewal fails the test.
    workers = [threading.Thread(target=worker, daemon=True) for _ in range(threads)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join(timeout=10)
    assert [] == [thread.name for thread in workers if thread.is_alive()]
    return outcomes


def errors_in_threads(auth: OAuth2AccessTokenAuth, threads: int = 8) -> list[BaseException]:
    """Send a request with `auth` from `threads` threads at once; return what they raised."""
    return [out for out in outcomes_in_threads(auth, threads) if isinstance(out, BaseException)]


def in_a_thread(call: Callable[[], object], timeout: float = 10) -> object:
    """Run `call` in a daemon thread; return its result or exception, failing if it hangs."""
    outcome: list[object] = []

    def run() -> None:
        try:
            outcome.append(call())
        except BaseException as exc:  # noqa: BLE001 - returned for the assertions
            outcome.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(timeout)
    assert not thread.is_alive(), f"still waiting after {timeout} s"
    return outcome[0]


def test_failed_renewal_is_shared_by_waiting_threads() -> None:
    original = OAuth2KitError("renewal failed")
    client = FakeClient(fail=original, delay=0.3)
    auth = OAuth2ClientCredentialsAuth(client)

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
    errors = errors_in_threads(OAuth2ClientCredentialsAuth(client))
    assert client.calls == 1
    assert sorted(type(e).__name__ for e in errors) == [
        "KeyboardInterrupt",
        *["NonRenewableTokenError"] * 7,
    ]


def test_a_short_lived_token_is_renewed_halfway_not_at_every_request() -> None:
    client = FakeClient(lifetime=1.0)
    auth = OAuth2ClientCredentialsAuth(client, leeway=20)
    for _ in range(5):
        auth(prepared())
    assert client.calls == 1
    time.sleep(0.6)  # past half the token's life, before its expiry
    assert auth(prepared()).headers["Authorization"] == "Bearer at2"
    assert client.calls == 2


def test_a_slow_renewal_of_a_short_lived_token_does_not_make_it_due_on_arrival() -> None:
    # Its life counts from its arrival: counted from the request (1 s earlier, here), half
    # of it would be over on arrival, and every request would renew it.
    client = FakeClient(lifetime=1.0, delay=1.0)
    auth = OAuth2ClientCredentialsAuth(client, leeway=20)
    for _ in range(3):
        assert "Bearer at1" == auth(prepared()).headers["Authorization"]
    assert 1 == client.calls


def test_a_token_that_arrives_expired_is_still_sent_with_the_requests_that_waited() -> None:
    # A server's lifetime can be shorter than the trip: that token is the newest there is,
    # so the requests that waited for it are sent with it rather than failed.
    client = FakeClient(lifetime=-1, delay=0.3)
    auth = OAuth2ClientCredentialsAuth(client, leeway=0)

    assert ["Bearer at1"] * 8 == outcomes_in_threads(auth)

    assert 1 == client.calls
    # The next request finds it expired, and renews it.
    assert "Bearer at2" == auth(prepared()).headers["Authorization"]
    assert 2 == client.calls


def test_a_token_that_cannot_be_renewed_is_not_sent_once_expired() -> None:
    # No refresh token: renewing cannot help, so the expired token raises, as it always did.
    auth = OAuth2AccessTokenAuth(FakeClient(), token=BearerToken("at", expires_in=-1))
    with pytest.raises(ExpiredAccessToken):
        auth(prepared())


def test_a_leeway_change_applies_to_the_current_token() -> None:
    client = FakeClient(lifetime=1.0)
    auth = OAuth2ClientCredentialsAuth(client, leeway=0)
    auth(prepared())
    time.sleep(0.6)
    auth(prepared())
    assert client.calls == 1  # with no leeway, due only at expiry
    auth.leeway = 20  # now due halfway, which has passed
    assert auth(prepared()).headers["Authorization"] == "Bearer at2"
    assert client.calls == 2


def test_access_token_auth_without_token_cannot_renew() -> None:
    auth = OAuth2AccessTokenAuth(FakeClient())
    with pytest.raises(NonRenewableTokenError):
        auth(prepared())


def test_access_token_auth_without_refresh_token_uses_token_until_it_expires() -> None:
    auth = OAuth2AccessTokenAuth(FakeClient(), token=BearerToken("at", expires_in=5))
    # Due (within the 20 s leeway), not expired: renewal finds no refresh token, and the
    # token is sent as it is.
    assert auth(prepared()).headers["Authorization"] == "Bearer at"
    auth.token = BearerToken("at", expires_in=-1)
    with pytest.raises(ExpiredAccessToken):
        auth(prepared())


def test_string_token_and_no_expiry() -> None:
    auth = OAuth2AccessTokenAuth(FakeClient(), token="plain")
    assert isinstance(auth.token, BearerToken)
    assert auth(prepared()).headers["Authorization"] == "Bearer plain"


def test_repr_is_redacted() -> None:
    auth = OAuth2AccessTokenAuth(FakeClient(), token="very-secret")
    assert "very-secret" not in repr(auth)


class RefreshingClient(OAuth2Client):
    """Answers refreshes like a server that does not rotate: no refresh_token in the answer."""

    refreshed_with: list[str]

    def __init__(self) -> None:
        super().__init__("https://as.example/token", auth="fake-client", testing=True)
        object.__setattr__(self, "refreshed_with", [])  # the client is frozen; the fake's own

    def refresh_token(self, refresh_token: str | BearerToken, *_: Any, **__: Any) -> BearerToken:
        assert isinstance(refresh_token, BearerToken)
        assert refresh_token.refresh_token is not None
        self.refreshed_with.append(refresh_token.refresh_token)
        return BearerToken(f"at{len(self.refreshed_with)}", expires_in=3600)


def test_an_expired_token_is_refreshed_with_its_refresh_token() -> None:
    client = RefreshingClient()
    auth = OAuth2AccessTokenAuth(client, BearerToken("at0", expires_in=-1, refresh_token="rt"))
    assert auth(prepared()).headers["Authorization"] == "Bearer at1"
    assert client.refreshed_with == ["rt"]


@pytest.mark.parametrize("leeway", [-1, "20", float("nan"), float("inf"), True])
def test_bad_leeway_is_refused(leeway: Any) -> None:
    with pytest.raises(InvalidParam, match="leeway must be a finite number of seconds"):
        OAuth2ClientCredentialsAuth(FakeClient(), leeway=leeway)
    auth = OAuth2ClientCredentialsAuth(FakeClient())
    with pytest.raises(InvalidParam):
        auth.leeway = leeway


@pytest.mark.parametrize("handler", [OAuth2AccessTokenAuth, OAuth2ClientCredentialsAuth])
@pytest.mark.parametrize(
    "client", ["s3cret-passed-by-mistake", None, 42, OAuth2Client, requests.Session]
)
def test_the_client_must_be_an_oauth2client(handler: type, client: object) -> None:
    # Checked when the handler is built, not at its first request (an AttributeError).
    with pytest.raises(InvalidParam) as caught:
        handler(client)
    expected = (
        f"{handler.__name__} needs an OAuth2Client as its client, got {type(client).__name__}"
    )
    assert expected == str(caught.value)
    assert "s3cret" not in str(caught.value)  # a secret passed by mistake is not quoted


class ReenteringClient(FakeClient):
    """Its renewal sends a request with `handler`, as a hook could."""

    handler: OAuth2AccessTokenAuth | None

    def __init__(self) -> None:
        super().__init__()
        object.__setattr__(self, "handler", None)

    def client_credentials(self, *args: Any, **kwargs: Any) -> BearerToken:
        if self.handler is not None:
            self.handler(prepared())
        return super().client_credentials(*args, **kwargs)


def test_a_renewal_that_reenters_its_handler_raises_instead_of_waiting_for_itself() -> None:
    client = ReenteringClient()
    auth = OAuth2ClientCredentialsAuth(client)
    object.__setattr__(client, "handler", auth)

    raised = in_a_thread(lambda: auth(prepared()))

    assert NonRenewableTokenError is type(raised)
    expected = "OAuth2ClientCredentialsAuth was called by the thread that is renewing its token"
    assert str(raised).startswith(expected)
    # The failed renewal left nothing behind: without the re-entry, the next request renews.
    object.__setattr__(client, "handler", None)
    assert "Bearer at1" == auth(prepared()).headers["Authorization"]


def test_handler_arguments_are_checked() -> None:
    with pytest.raises(InvalidParam, match="token must be a BearerToken or an access token str"):
        OAuth2AccessTokenAuth(FakeClient(), token=123)  # type: ignore[arg-type]
    with pytest.raises(InvalidParam, match="token_kwargs cannot hold refresh_token"):
        OAuth2AccessTokenAuth(FakeClient(), token="at", refresh_token="zzz")


def test_a_token_passed_in_within_the_leeway_is_renewed_at_once() -> None:
    client = RefreshingClient()
    restored = BearerToken("old", expires_in=10, refresh_token="rt")
    auth = OAuth2AccessTokenAuth(client, token=restored, leeway=20)
    assert auth(prepared()).headers["Authorization"] == "Bearer at1"
    assert client.refreshed_with == ["rt"]


def test_forget_token_keeps_the_refresh_token_for_the_next_request() -> None:
    client = RefreshingClient()
    token = BearerToken("old", expires_in=3600, refresh_token="rt")
    auth = OAuth2AccessTokenAuth(client, token=token)
    assert auth(prepared()).headers["Authorization"] == "Bearer old"
    auth.forget_token()
    assert auth.token is None  # as upstream
    assert auth(prepared()).headers["Authorization"] == "Bearer at1"
    assert client.refreshed_with == ["rt"]


def test_setters_and_forget_token_while_threads_send_requests() -> None:
    # Each setter replaces the handler's state whole: no request may see half a change (a
    # deadline without its token), whatever the interleaving.
    auth = OAuth2ClientCredentialsAuth(FakeClient(lifetime=1.0))
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
