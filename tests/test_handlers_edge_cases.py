"""The auto-renewing auth handlers at their edges: re-entry, forks, waiters, odd leeways.

Flows run against the real test authorization server (tests/as/). Fakes or stubbed HTTP
appear only where the server cannot produce the situation, and each such test says so.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

import pytest
import requests
import responses
from as_server import AuthServer
from code_flow import code_client
from forking import prepared, request_in_a_child

from oauth2kit import (
    BearerToken,
    EndpointCall,
    EndpointResponse,
    InvalidGrant,
    InvalidParam,
    NonRenewableTokenError,
    OAuth2AccessTokenAuth,
    OAuth2Client,
    OAuth2ClientCredentialsAuth,
    OAuth2DeviceCodeAuth,
    OAuth2KitError,
    PluginHost,
    hookimpl,
)

HUGE = 10**400  # an int that no float can hold
ENORMOUS = 10**5000  # an int too long for repr() (sys.int_info.default_max_str_digits)


def offline_client() -> OAuth2Client:
    """A client that is never asked to send anything."""
    return OAuth2Client("https://as.example/token", client_id="c")


def cc_client(server: AuthServer, client_id: str = "cc-basic", **kwargs: Any) -> OAuth2Client:
    return OAuth2Client(
        server.token_endpoint,
        client_id=client_id,
        client_secret=f"{client_id}-secret",
        token_endpoint_auth_method="client_secret_basic",
        **kwargs,
    )


def device_client(server: AuthServer, **kwargs: Any) -> OAuth2Client:
    return OAuth2Client(
        server.token_endpoint,
        client_id="device-client",
        device_authorization_endpoint=server.url("/device/auth"),
        **kwargs,
    )


def run_in_thread(call: Callable[[], object]) -> tuple[threading.Thread, list[object]]:
    """Start `call` in a daemon thread; its result or exception lands in the list."""
    outcome: list[object] = []

    def run() -> None:
        try:
            outcome.append(call())
        except BaseException as exc:  # noqa: BLE001 - kept for the assertions
            outcome.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, outcome


def outcomes_from_threads(call: Callable[[], object], threads: int) -> list[object]:
    """Run `call` from `threads` threads released together; their results or exceptions."""
    barrier = threading.Barrier(threads)
    lock = threading.Lock()
    outcomes: list[object] = []

    def run() -> None:
        barrier.wait(timeout=10)
        try:
            result: object = call()
        except BaseException as exc:  # noqa: BLE001 - kept for the assertions
            result = exc
        with lock:
            outcomes.append(result)

    workers = [threading.Thread(target=run, daemon=True) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=10)
    assert [] == [worker.name for worker in workers if worker.is_alive()]
    return outcomes


# --- constructor and setter arguments ---------------------------------------------------------


def test_an_enormous_negative_leeway_is_refused_with_invalid_param() -> None:
    """A negative leeway too long to print is an InvalidParam, not repr()'s ValueError."""
    with pytest.raises(InvalidParam, match="leeway must be a finite number of seconds"):
        OAuth2ClientCredentialsAuth(offline_client(), leeway=-ENORMOUS)


def test_a_leeway_beyond_float_range_is_refused_or_works() -> None:
    """A leeway no float can hold is refused with InvalidParam, or the handler works with it."""
    token = BearerToken("at", expires_in=600)
    try:
        auth = OAuth2AccessTokenAuth(offline_client(), token, leeway=HUGE)
    except InvalidParam:
        return
    assert "Bearer at" == auth(prepared()).headers["Authorization"]


def test_a_leeway_change_that_fails_leaves_the_handler_as_it_was() -> None:
    """A refused leeway leaves the old leeway, and the handler still takes new tokens."""
    auth = OAuth2AccessTokenAuth(offline_client(), BearerToken("at", expires_in=600))
    with contextlib.suppress(InvalidParam):
        auth.leeway = HUGE
    assert 20 == auth.leeway
    auth.token = BearerToken("next", expires_in=600)
    assert "Bearer next" == auth(prepared()).headers["Authorization"]


# --- the waiters' time limit ----------------------------------------------------------------


class SlowBackOff:
    """Asks the kernel to retry each token request twice, after `delay` seconds each time.

    As a back-off plugin does on a 503 with Retry-After: the test server never answers 503.
    """

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.retrying = threading.Event()
        self.attempts = 0

    @hookimpl
    def oauth2kit_retry_request(self, call: EndpointCall, response: EndpointResponse) -> float:
        self.attempts += 1
        self.retrying.set()
        return self.delay


@pytest.mark.integration
def test_a_waiter_waits_for_a_renewal_that_backs_off_within_the_kernels_caps(
    auth_server: AuthServer,
) -> None:
    """A renewal retried after delays the kernel allows is waited for, not given up on."""
    backoff = SlowBackOff(delay=1.5)  # 2 delays: 3 s; the waiter's limit: 3 * 0.2 + 2 = 2.6 s
    host = PluginHost()
    host.register(backoff, name="test.backoff")
    auth = OAuth2ClientCredentialsAuth(
        cc_client(auth_server, timeout=0.2, plugins=host), scope="api:read"
    )
    leader, led = run_in_thread(lambda: auth(prepared()).headers["Authorization"])
    assert backoff.retrying.wait(5)  # the renewal is under way, sleeping before its retry

    try:
        header = auth(prepared()).headers["Authorization"]
    finally:
        leader.join(10)
    assert 2 == backoff.attempts  # two retries: the renewal succeeded at its third attempt
    assert [header] == led


class StuckClient(OAuth2Client):
    """Its client credentials request takes as long as the test wants: a slow server.

    The test server answers at once; a fake grant stands for a slow read.
    """

    started: threading.Event
    release: threading.Event

    def __init__(self, **kwargs: Any) -> None:
        super().__init__("https://as.example/token", client_id="c", client_secret="s", **kwargs)
        object.__setattr__(self, "started", threading.Event())  # the client is frozen
        object.__setattr__(self, "release", threading.Event())

    def client_credentials(self, *_: Any, **__: Any) -> BearerToken:
        self.started.set()
        self.release.wait(10)
        return BearerToken("late", expires_in=600)


def test_a_waiter_waits_as_long_as_a_renewal_without_read_timeout_takes() -> None:
    """With (connect, None) a read may take any time: waiters wait for it (fake slow server)."""
    client = StuckClient(timeout=(0.1, None))  # the limit would be 3 * 0.1 + 2 = 2.3 s
    auth = OAuth2ClientCredentialsAuth(client)
    leader, _ = run_in_thread(lambda: auth(prepared()))
    assert client.started.wait(5)
    release = threading.Timer(2.7, client.release.set)
    release.start()
    try:
        assert "Bearer late" == auth(prepared()).headers["Authorization"]
    finally:
        client.release.set()
        release.cancel()
        leader.join(5)


# --- what the handler obtains itself --------------------------------------------------------


@pytest.mark.integration
def test_a_short_token_from_renew_token_is_not_renewed_again_at_once(
    auth_server: AuthServer,
) -> None:
    """A 2 s token that renew_token() obtained is renewed halfway, not on the next request."""
    auth = OAuth2ClientCredentialsAuth(cc_client(auth_server, "cc-short"), scope="api:read")
    auth.renew_token()  # the seed's public method, e.g. to fetch a token ahead of use
    obtained = auth.token
    assert obtained is not None
    auth_server.reset_counters()

    header = auth(prepared()).headers["Authorization"]

    assert 0 == auth_server.token_requests("cc-short")
    assert f"Bearer {obtained.access_token}" == header


class Dawdler:
    """Holds each refresh request back for 0.3 s before it is sent."""

    @hookimpl
    def oauth2kit_prepare_request(self, call: EndpointCall) -> None:
        if call.grant == "refresh_token":
            time.sleep(0.3)


@pytest.mark.integration
def test_a_rejected_refresh_is_shared_by_waiters_as_copies_and_leaves_the_handler_usable(
    auth_server: AuthServer,
) -> None:
    """Eight threads, one refused refresh (invalid_grant): one request, eight InvalidGrants."""
    host = PluginHost()
    host.register(Dawdler(), name="test.dawdler")  # all eight threads meet the one renewal
    client = code_client(auth_server, "public-app", plugins=host)
    request = client.authorization_request(scope="openid api:read")
    token = client.authorization_code(request.validate_callback(auth_server.authorize(request.uri)))
    client.refresh_token(token)  # rotates: the token's own refresh token is now refused
    stale = BearerToken(token.access_token, expires_in=-1, refresh_token=token.refresh_token)
    auth = OAuth2AccessTokenAuth(client, stale)
    auth_server.reset_counters()

    errors = outcomes_from_threads(lambda: auth(prepared()), threads=8)

    assert 1 == auth_server.token_requests("public-app")
    assert all(type(error) is InvalidGrant for error in errors)
    originals = {id(e.__cause__) for e in errors if isinstance(e, InvalidGrant) and e.__cause__}
    assert 1 == len(originals)  # seven copies, each caused by the leader's error
    assert 8 == len({id(error) for error in errors})
    auth.token = BearerToken("replaced", expires_in=600)  # nothing half-updated is left
    assert "Bearer replaced" == auth(prepared()).headers["Authorization"]


@responses.activate
def test_refreshes_without_a_new_refresh_token_keep_using_the_first_one() -> None:
    """RFC 6749 section 6 through the handler (stubbed: the test server always sends one)."""
    responses.post("https://as.example/token", json={"access_token": "at1", "expires_in": 600})
    responses.post("https://as.example/token", json={"access_token": "at2", "expires_in": 600})
    client = OAuth2Client("https://as.example/token", client_id="c", client_secret="s")
    auth = OAuth2AccessTokenAuth(client, BearerToken("at0", expires_in=-1, refresh_token="rt-1"))

    assert "Bearer at1" == auth(prepared()).headers["Authorization"]
    auth.forget_token()
    assert "Bearer at2" == auth(prepared()).headers["Authorization"]

    sent = [parse_qs(str(call.request.body))["refresh_token"] for call in responses.calls]
    assert [["rt-1"], ["rt-1"]] == sent
    assert auth.token is not None
    assert "rt-1" == auth.token.refresh_token


# --- the device code handler ------------------------------------------------------------------


class Reenterer:
    """Sends a request through `auth` when a token arrives, on the thread that obtained it."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.auth: requests.auth.AuthBase | None = None
        self.entered = threading.Event()

    @hookimpl
    def oauth2kit_token_obtained(self, call: EndpointCall, token: BearerToken) -> None:
        if self.auth is not None:
            auth, self.auth = self.auth, None  # once
            self.entered.set()
            requests.get(self.url, auth=auth, timeout=10)


@pytest.mark.integration
def test_a_hook_that_reenters_the_device_handler_while_it_polls_gets_an_error(
    auth_server: AuthServer,
) -> None:
    """Re-entry during the device code exchange raises NonRenewableTokenError, no hang."""
    reenterer = Reenterer(auth_server.url("/test/protected"))
    host = PluginHost()
    host.register(reenterer, name="test.reenterer")
    dar = device_client(auth_server).authorize_device(scope="openid")
    auth_server.approve_device(dar.user_code)
    auth = OAuth2DeviceCodeAuth(
        device_client(auth_server, plugins=host), device_code=dar, interval=0
    )
    reenterer.auth = auth

    thread, outcome = run_in_thread(lambda: requests.get(reenterer.url, auth=auth, timeout=10))
    assert reenterer.entered.wait(5)  # the exchange got its token; the hook sends through auth
    thread.join(5)
    assert not thread.is_alive(), "the exchange waits for itself"
    [raised] = outcome
    assert NonRenewableTokenError is type(raised)


@pytest.mark.integration
def test_threads_held_back_by_a_denied_device_code_share_its_error(
    auth_server: AuthServer,
) -> None:
    """Four first requests, device code denied: one token request, four errors."""
    dar = device_client(auth_server).authorize_device(scope="openid")
    auth_server.approve_device(dar.user_code, deny=True)
    auth = OAuth2DeviceCodeAuth(
        device_client(auth_server), device_code=dar, interval=0.3
    )  # the threads gather
    auth_server.reset_counters()

    outcomes = outcomes_from_threads(lambda: auth(prepared()), threads=4)

    assert all(isinstance(outcome, OAuth2KitError) for outcome in outcomes)
    assert 1 == auth_server.token_requests("device-client")


class HeldSleeper:
    """The polling sleeper: in the process that made it, the first wait lasts until released."""

    def __init__(self) -> None:
        self.owner = os.getpid()
        self.entered = threading.Event()
        self.release = threading.Event()

    def __call__(self, seconds: float) -> None:
        if os.getpid() == self.owner and not self.entered.is_set():
            self.entered.set()
            self.release.wait(10)


@pytest.mark.integration
@pytest.mark.skipif(not hasattr(os, "fork"), reason="the platform has no fork")
def test_a_child_forked_while_the_device_handler_polls_polls_for_itself(
    auth_server: AuthServer,
) -> None:
    """A child forked while a parent thread polls gets its own token instead of hanging."""
    dar = device_client(auth_server).authorize_device(scope="openid")
    auth_server.approve_device(dar.user_code)
    sleeper = HeldSleeper()
    auth = OAuth2DeviceCodeAuth(
        device_client(auth_server), device_code=dar, interval=0.01, sleeper=sleeper
    )
    leader, _ = run_in_thread(lambda: auth(prepared()))
    assert sleeper.entered.wait(5)  # the parent's thread holds the polling, before its poll
    try:
        _, code, report = request_in_a_child(auth, timeout=3)
    finally:
        sleeper.release.set()
        leader.join(10)
    assert 0 == code, report
    assert report.startswith("Bearer ")
