"""The device authorization grant (RFC 8628): endpoint, polling job, grant and auth handler.

End to end against the test server's ``device-client`` (public) and ``device-confidential``
(client_secret_basic); the test route ``approve_device`` plays the user. The polling job's
sleeper is injected so that no test waits for real.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
import responses
from as_server import AuthServer
from o2k_builtins.device.device_authorization import (
    DeviceAuthorizationError,
    DeviceAuthorizationPoolingJob,
    DeviceAuthorizationResponse,
    InvalidDeviceAuthorizationResponse,
    MissingDeviceCode,
)
from o2k_builtins.device.polling import AuthorizationPending, ExpiredToken, SlowDown
from o2k_builtins.handlers.access_token import NonRenewableTokenError
from o2k_builtins.handlers.device_code import OAuth2DeviceCodeAuth
from o2k_builtins.oauth2.responses import AccessDenied

import oauth2kit
from oauth2kit import (
    BearerToken,
    InvalidEndpointUri,
    InvalidParam,
    InvalidScopeParam,
    MissingEndpointUri,
    OAuth2Client,
    PluginError,
)

STUB_TOKEN = "https://as.example/token"
STUB_DEVICE = "https://as.example/device"


class Sleeps:
    """A sleeper that records what it was asked to wait, and can act on the first wait."""

    def __init__(self, on_first: Any = None) -> None:
        self.waits: list[float] = []
        self.on_first = on_first

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        if self.on_first is not None and len(self.waits) == 1:
            self.on_first()


def _public(server: AuthServer, **kwargs: Any) -> OAuth2Client:
    return OAuth2Client(
        server.token_endpoint,
        client_id="device-client",
        device_authorization_endpoint=server.url("/device/auth"),
        **kwargs,
    )


def _confidential(server: AuthServer) -> OAuth2Client:
    return OAuth2Client(
        server.token_endpoint,
        auth=("device-confidential", "device-confidential-secret"),
        token_endpoint_auth_method="client_secret_basic",
        device_authorization_endpoint=server.url("/device/auth"),
    )


def _stub_client() -> OAuth2Client:
    return OAuth2Client(STUB_TOKEN, client_id="c", device_authorization_endpoint=STUB_DEVICE)


def _protected(server: AuthServer, auth: Any) -> dict[str, Any]:
    response = requests.get(server.url("/test/protected"), auth=auth, timeout=10)
    response.raise_for_status()
    info: dict[str, Any] = response.json()
    return info


# --- the whole flow, against the real server ------------------------------------------------


@pytest.mark.integration
def test_the_job_polls_while_pending_and_returns_the_token_once_approved(
    auth_server: AuthServer,
) -> None:
    client = _public(auth_server)
    dar = client.authorize_device(scope=["openid", "offline_access"])
    assert isinstance(dar, DeviceAuthorizationResponse)
    assert dar.user_code
    assert dar.verification_uri.startswith(auth_server.issuer)
    assert dar.user_code in (dar.verification_uri_complete or "")
    assert dar.is_expired() is False
    assert dar.expires_at is not None
    assert dar.expires_at > datetime.now(tz=UTC)

    sleeps = Sleeps()
    job = DeviceAuthorizationPoolingJob(client, dar, sleeper=sleeps)
    assert job() is None  # the user has not approved yet
    approved = auth_server.approve_device(dar.user_code, "dora")
    assert "openid offline_access" == approved["scope"]  # the list reached the server joined
    token = job()
    assert isinstance(token, BearerToken)
    assert token.refresh_token
    assert token.id_token
    assert "dora" == _protected(auth_server, token)["sub"]
    # The server sends no interval: RFC 8628's 5 seconds, before each of the two polls.
    assert [5, 5] == sleeps.waits


@pytest.mark.integration
def test_a_confidential_client_polls_by_hand_with_the_grant(auth_server: AuthServer) -> None:
    client = _confidential(auth_server)
    dar = client.authorize_device(scope="openid")
    with pytest.raises(AuthorizationPending) as pending:
        client.device_code(dar)
    assert "authorization_pending" == pending.value.error
    auth_server.approve_device(dar.user_code, "erin")
    token = client.device_code(dar.device_code)  # the bare device code works as well
    assert "erin" == _protected(auth_server, token)["sub"]
    assert "device-confidential" == _protected(auth_server, token)["client_id"]


@pytest.mark.integration
def test_a_denied_request_raises_access_denied(auth_server: AuthServer) -> None:
    client = _public(auth_server)
    dar = client.authorize_device(scope="openid")
    job = DeviceAuthorizationPoolingJob(client, dar, interval=0)
    auth_server.approve_device(dar.user_code, deny=True)
    with pytest.raises(AccessDenied) as denied:
        job()
    assert "access_denied" == denied.value.error


@pytest.mark.integration
def test_the_servers_refusal_of_the_device_authorization_raises_its_class(
    auth_server: AuthServer,
) -> None:
    client = _public(auth_server)
    with pytest.raises(oauth2kit.InvalidRequest, match="invalid_request"):
        client.authorize_device(scope="openid", claims="not json")
    # ciba-client may not use the device flow.
    other = OAuth2Client(
        auth_server.token_endpoint,
        auth=("ciba-client", "ciba-client-secret"),
        token_endpoint_auth_method="client_secret_basic",
        device_authorization_endpoint=auth_server.url("/device/auth"),
    )
    with pytest.raises(oauth2kit.InvalidRequest, match="not allowed for this client"):
        other.authorize_device(scope="openid")


@pytest.mark.integration
def test_the_handler_polls_on_the_first_request_then_reuses_and_refreshes(
    auth_server: AuthServer,
) -> None:
    client = _public(auth_server)
    dar = client.authorize_device(scope="openid offline_access")
    # The user approves while the first request waits for its first poll.
    sleeps = Sleeps(on_first=lambda: auth_server.approve_device(dar.user_code, "fay"))
    auth = OAuth2DeviceCodeAuth(client, device_code=dar, sleeper=sleeps)
    before = auth_server.token_requests("device-client")

    assert "fay" == _protected(auth_server, auth)["sub"]
    assert [5] == sleeps.waits
    assert auth.device_code is None  # exchanged once, then forgotten
    first = auth.token
    assert first is not None
    assert first.refresh_token
    assert "fay" == _protected(auth_server, auth)["sub"]  # the same token, no poll
    assert before + 1 == auth_server.token_requests("device-client")

    auth.forget_token()
    assert "fay" == _protected(auth_server, auth)["sub"]  # refreshed with its refresh token
    assert auth.token is not None
    assert auth.token.access_token != first.access_token
    assert before + 2 == auth_server.token_requests("device-client")
    assert [5] == sleeps.waits
    assert dar.device_code not in repr(auth)


@pytest.mark.integration
def test_concurrent_first_requests_through_the_handler_share_one_polling(
    auth_server: AuthServer,
) -> None:
    """A device code is exchanged once: four successes mean that the threads shared it."""
    client = _public(auth_server)
    dar = client.authorize_device(scope="openid")
    approve = threading.Event()
    waits: list[float] = []

    def sleeper(seconds: float) -> None:
        waits.append(seconds)
        approve.set()
        time.sleep(seconds)

    auth = OAuth2DeviceCodeAuth(client, device_code=dar, interval=0.01, sleeper=sleeper)
    subjects: list[str] = []

    def call() -> None:
        subjects.append(_protected(auth_server, auth)["sub"])

    before = auth_server.token_requests("device-client")
    threads = [threading.Thread(target=call) for _ in range(4)]
    for thread in threads:
        thread.start()
    assert approve.wait(10)
    auth_server.approve_device(dar.user_code, "gus")
    for thread in threads:
        thread.join(20)
    assert ["gus"] * 4 == subjects
    polls = auth_server.token_requests("device-client") - before
    assert polls == len(waits)  # one wait before each poll: polls were one at a time


# --- what the server cannot produce: stubbed HTTP ------------------------------------------


def test_slow_down_adds_five_seconds_to_this_and_every_later_poll() -> None:
    """Stubbed: the test server answers authorization_pending, never slow_down."""
    client, sleeps = _stub_client(), Sleeps()
    job = DeviceAuthorizationPoolingJob(
        client, "dc-1", requests_kwargs={"headers": {"X-Poll": "1"}}, sleeper=sleeps, custom="x"
    )
    with responses.RequestsMock() as rsps:
        rsps.post(STUB_TOKEN, status=400, json={"error": "slow_down"})
        rsps.post(STUB_TOKEN, status=400, json={"error": "authorization_pending"})
        rsps.post(STUB_TOKEN, json={"access_token": "at-1", "token_type": "Bearer"})
        assert job() is None
        assert 10 == job.interval
        assert job() is None
        token = job()
        assert "device_code=dc-1&custom=x" in str(rsps.calls[0].request.body)
        assert "1" == rsps.calls[2].request.headers["X-Poll"]
    assert token is not None
    assert "at-1" == token.access_token
    assert [5, 10, 10] == sleeps.waits


def test_slow_down_is_mapped_to_its_class() -> None:
    """Stubbed: the test server never answers slow_down."""
    with responses.RequestsMock() as rsps:
        rsps.post(STUB_TOKEN, status=400, json={"error": "slow_down", "error_description": "x"})
        with pytest.raises(SlowDown, match="slow_down: x"):
            _stub_client().device_code("dc-1")


def test_an_expired_device_code_ends_the_polling_with_expired_token() -> None:
    """Stubbed: the test server's device codes live 600 s, too long to wait for."""
    job = DeviceAuthorizationPoolingJob(_stub_client(), "dc-1", interval=0)
    with responses.RequestsMock() as rsps:
        rsps.post(STUB_TOKEN, status=400, json={"error": "authorization_pending"})
        rsps.post(STUB_TOKEN, status=400, json={"error": "expired_token"})
        assert job() is None
        with pytest.raises(ExpiredToken) as expired:
            job()
    assert "expired_token" == expired.value.error


def test_the_handler_stops_polling_once_the_device_code_expired() -> None:
    """Stubbed: proves that no request is sent for an expired code (the mock has no routes)."""
    auth = OAuth2DeviceCodeAuth(_stub_client(), device_code="dc-1", expires_in=0)
    with responses.RequestsMock() as rsps:
        with pytest.raises(NonRenewableTokenError, match="expired before the user approved"):
            requests.get("https://rs.example/", auth=auth, timeout=1)
        assert [] == list(rsps.calls)
    past = DeviceAuthorizationResponse(
        "dc-2", "UC", "https://as.example/v", expires_at=datetime.now(tz=UTC) - timedelta(1)
    )
    assert past.expires_at == OAuth2DeviceCodeAuth(_stub_client(), device_code=past).expires_at


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        (
            {"status": 400, "json": {"error": "custom_code", "error_description": "d"}},
            DeviceAuthorizationError,
        ),
        ({"status": 500, "body": "<html>oops</html>"}, InvalidDeviceAuthorizationResponse),
        ({"status": 200, "body": "not json"}, InvalidDeviceAuthorizationResponse),
        (
            {"status": 200, "json": {"device_code": "d", "verification_uri": "https://v"}},
            InvalidDeviceAuthorizationResponse,
        ),
        (
            {
                "status": 200,
                "json": {"device_code": "d", "user_code": 5, "verification_uri": "https://v"},
            },
            InvalidDeviceAuthorizationResponse,
        ),
        (
            {
                "status": 200,
                "json": {
                    "device_code": "d",
                    "user_code": "u",
                    "verification_uri": "https://v",
                    "interval": "x",
                },
            },
            InvalidDeviceAuthorizationResponse,
        ),
    ],
)
def test_unusable_device_authorization_answers_raise_the_endpoints_own_errors(
    answer: dict[str, Any], error: type[Exception]
) -> None:
    """Stubbed: the test server answers no unknown error codes and no malformed responses."""
    with responses.RequestsMock() as rsps:
        rsps.post(STUB_DEVICE, **answer)
        with pytest.raises(error) as raised:
            _stub_client().authorize_device()
    assert raised.value.response.status_code == answer["status"]  # type: ignore[attr-defined]
    if error is DeviceAuthorizationError:
        assert ("custom_code", "d") == (raised.value.error, raised.value.description)  # type: ignore[attr-defined]


def test_the_device_authorization_sends_the_parameters_given() -> None:
    """Stubbed: to read the form that was sent."""
    with responses.RequestsMock() as rsps:
        rsps.post(STUB_DEVICE, json={
            "device_code": "d", "user_code": "u", "verification_uri": "https://v", "interval": 0,
            "expires_in": "60", "vendor": "x",
        })  # fmt: skip
        dar = _stub_client().authorize_device(scope=("a", "b"), resource="urn:r", requests_kwargs={"headers": {"X-T": "1"}})  # fmt: skip
        request = rsps.calls[0].request
    assert "scope=a+b" in str(request.body)
    assert "resource=urn%3Ar" in str(request.body)
    assert "1" == request.headers["X-T"]
    assert {"vendor": "x"} == dar.other
    assert 0 == dar.interval
    assert 0 == DeviceAuthorizationPoolingJob(_stub_client(), dar).interval


# --- checks before anything is sent ----------------------------------------------------------


@pytest.mark.parametrize("device_code", [None, "", 5, b"dc"])
def test_a_missing_or_unusable_device_code_is_refused_before_sending(device_code: Any) -> None:
    client = _stub_client()
    with responses.RequestsMock():  # no routes: any request would fail differently
        with pytest.raises(MissingDeviceCode):
            client.device_code(device_code)
        with pytest.raises(MissingDeviceCode):
            DeviceAuthorizationPoolingJob(client, device_code)
        with pytest.raises(MissingDeviceCode):
            OAuth2DeviceCodeAuth(client, device_code=device_code)
    assert issubclass(MissingDeviceCode, ValueError)


@pytest.mark.parametrize(
    "kwargs",
    [{"interval": -1}, {"interval": float("nan")}, {"interval": True}, {"slow_down_interval": "5"},
     {"requests_kwargs": [("verify", False)]}, {"sleeper": 5}],
)  # fmt: skip
def test_unusable_job_arguments_are_refused(kwargs: dict[str, Any]) -> None:
    with pytest.raises(InvalidParam):
        DeviceAuthorizationPoolingJob(_stub_client(), "dc", **kwargs)


def test_the_job_needs_a_client() -> None:
    with pytest.raises(InvalidParam, match="needs an OAuth2Client, got str"):
        DeviceAuthorizationPoolingJob("https://as.example/token", "dc")  # type: ignore[arg-type]


def test_scope_must_be_a_str_or_strs_and_the_endpoint_configured() -> None:
    with responses.RequestsMock(), pytest.raises(InvalidScopeParam):
        _stub_client().authorize_device(scope=5)
    with pytest.raises(MissingEndpointUri, match="device_authorization_endpoint"):
        OAuth2Client(STUB_TOKEN, client_id="c").authorize_device()
    with pytest.raises(InvalidEndpointUri, match="must use https"):
        OAuth2Client(STUB_TOKEN, client_id="c", device_authorization_endpoint="http://as.example/d")


# --- value objects -----------------------------------------------------------------------------


def test_the_response_keeps_its_members_and_hides_the_device_code() -> None:
    dar = DeviceAuthorizationResponse("secret-dc", "WDJB-MJHT", "https://as.example/device", expires_in=30, interval=2, extra=1)  # fmt: skip
    assert dar.expires_at is not None
    assert 28 <= (dar.expires_at - datetime.now(tz=UTC)).total_seconds() <= 30
    assert (2, {"extra": 1}) == (dar.interval, dar.other)
    assert "secret-dc" not in repr(dar)
    assert "WDJB-MJHT" in repr(dar)
    # As upstream, the leeway extends the validity of these responses.
    expired = DeviceAuthorizationResponse("d", "u", "https://v", expires_at=datetime.now(tz=UTC) - timedelta(seconds=5))  # fmt: skip
    assert expired.is_expired() is True
    assert expired.is_expired(leeway=60) is False
    assert DeviceAuthorizationResponse("d", "u", "https://v").is_expired() is None
    naive = DeviceAuthorizationResponse("d", "u", "https://v", expires_at=datetime(2030, 1, 1))  # noqa: DTZ001
    assert UTC == naive.expires_at.tzinfo  # type: ignore[union-attr]
    with pytest.raises(InvalidParam, match="not both"):
        DeviceAuthorizationResponse(
            "d", "u", "https://v", expires_at=datetime.now(tz=UTC), expires_in=5
        )


def test_jobs_compare_by_value_and_hide_the_device_code() -> None:
    client = _stub_client()
    assert DeviceAuthorizationPoolingJob(client, "dc") == DeviceAuthorizationPoolingJob(
        client, "dc"
    )
    assert DeviceAuthorizationPoolingJob(client, "dc") != DeviceAuthorizationPoolingJob(
        client, "other"
    )
    assert DeviceAuthorizationPoolingJob(client, "dc") != DeviceAuthorizationPoolingJob(
        client, "dc", interval=1
    )
    assert (5, 5) == (
        DeviceAuthorizationPoolingJob(client, "dc").interval,
        DeviceAuthorizationPoolingJob(client, "dc").slow_down_interval,
    )
    assert "dc-secret" not in repr(DeviceAuthorizationPoolingJob(client, "dc-secret"))


def test_the_names_are_exported_from_the_package_root() -> None:
    assert oauth2kit.DeviceAuthorizationResponse is DeviceAuthorizationResponse
    assert oauth2kit.DeviceAuthorizationPoolingJob is DeviceAuthorizationPoolingJob
    assert oauth2kit.DeviceAuthorizationPollingJob is DeviceAuthorizationPoolingJob
    assert oauth2kit.OAuth2DeviceCodeAuth is OAuth2DeviceCodeAuth
    assert oauth2kit.MissingDeviceCode is MissingDeviceCode
    assert oauth2kit.AuthorizationPending is AuthorizationPending
    assert issubclass(oauth2kit.SlowDown, oauth2kit.TokenEndpointError)


def test_a_parse_hook_must_return_a_device_authorization_response() -> None:
    """Stubbed: a plugin that parses the endpoint's answer into something else is a plugin bug."""
    from oauth2kit import PluginHost, hookimpl

    class Wrong:
        @hookimpl
        def oauth2kit_parse_response(self, call: Any, response: Any) -> Any:
            return (
                {"device_code": "d"} if call.endpoint == "device_authorization_endpoint" else None
            )

    host = PluginHost()
    assert "loaded" == host.register(Wrong(), name="test.wrong").status
    client = OAuth2Client(
        STUB_TOKEN, client_id="c", device_authorization_endpoint=STUB_DEVICE, plugins=host
    )
    with responses.RequestsMock() as rsps:
        rsps.post(STUB_DEVICE, json={"device_code": "d"})
        with pytest.raises(PluginError, match="into a dict"):
            client.authorize_device()
