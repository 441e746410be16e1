"""CIBA in poll mode: the authentication request, its hint rules, the polling job and the grant.

End to end against the test server's ``ciba-client`` (client_secret_basic); the test route
``approve_ciba`` plays the user's authentication device, and ``login_hint`` is the account.
Checks of the arguments run with a mock that has no routes, which proves that nothing was
sent before the error.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs

import pytest
import requests
import responses
from as_server import AuthServer
from o2k_builtins.authorization.errors import InvalidAcrValuesParam
from o2k_builtins.ciba.backchannel_authentication import (
    BackChannelAuthenticationError,
    BackChannelAuthenticationPoolingJob,
    BackChannelAuthenticationResponse,
    InvalidBackchannelAuthenticationRequestHintParam,
    InvalidBackChannelAuthenticationResponse,
    InvalidBindingMessage,
    MissingAuthRequestId,
    UnknownUserId,
)
from o2k_builtins.device.polling import AuthorizationPending, ExpiredToken
from o2k_builtins.oauth2.responses import AccessDenied

import oauth2kit
from oauth2kit import (
    BearerToken,
    InvalidParam,
    InvalidRequest,
    InvalidScopeParam,
    MissingEndpointUri,
    OAuth2Client,
)

STUB_TOKEN = "https://as.example/token"
STUB_CIBA = "https://as.example/bc"


def _client(server: AuthServer) -> OAuth2Client:
    return OAuth2Client(
        server.token_endpoint,
        auth=("ciba-client", "ciba-client-secret"),
        token_endpoint_auth_method="client_secret_basic",
        backchannel_authentication_endpoint=server.url("/backchannel"),
    )


def _stub_client() -> OAuth2Client:
    return OAuth2Client(STUB_TOKEN, auth=("c", "s"), backchannel_authentication_endpoint=STUB_CIBA)


def _subject(server: AuthServer, token: BearerToken) -> str:
    response = requests.get(server.url("/test/protected"), auth=token, timeout=10)
    response.raise_for_status()
    sub: str = response.json()["sub"]
    return sub


# --- end to end --------------------------------------------------------------------------------


@pytest.mark.integration
def test_an_approved_request_gives_a_token_after_pending_polls(auth_server: AuthServer) -> None:
    client = _client(auth_server)
    bcar = client.backchannel_authentication_request(
        scope=["openid", "email"], login_hint="carol", binding_message="W4SCT"
    )
    assert isinstance(bcar, BackChannelAuthenticationResponse)
    assert bcar.auth_req_id in auth_server.ciba_requests()  # the server triggered the device
    assert bcar.is_expired() is False
    waits: list[float] = []
    job = BackChannelAuthenticationPoolingJob(client, bcar, sleeper=waits.append)
    assert job() is None
    assert "carol" == auth_server.approve_ciba(bcar.auth_req_id)["account_id"]
    token = job()
    assert isinstance(token, BearerToken)
    assert token.id_token
    assert "carol" == _subject(auth_server, token)
    assert [20, 20] == waits  # no interval from the server: upstream's default


@pytest.mark.integration
def test_a_denied_request_raises_access_denied(auth_server: AuthServer) -> None:
    client = _client(auth_server)
    bcar = client.backchannel_authentication_request(login_hint="dave")
    with pytest.raises(AuthorizationPending):
        client.ciba(bcar)
    auth_server.approve_ciba(bcar.auth_req_id, deny=True)
    with pytest.raises(AccessDenied) as denied:
        BackChannelAuthenticationPoolingJob(client, bcar.auth_req_id, interval=0)()
    assert "access_denied" == denied.value.error


@pytest.mark.integration
def test_polling_goes_by_the_error_code_with_the_device_flow_plugin_blocked(
    auth_server: AuthServer,
) -> None:
    """The device flow's plugin maps the polling codes; CIBA polling does not depend on it."""
    client = OAuth2Client(
        auth_server.token_endpoint,
        auth=("ciba-client", "ciba-client-secret"),
        token_endpoint_auth_method="client_secret_basic",
        backchannel_authentication_endpoint=auth_server.url("/backchannel"),
        disable_plugins=["endpoint.device_authorization"],
    )
    bcar = client.backchannel_authentication_request(login_hint="gina")
    with pytest.raises(oauth2kit.UnknownTokenEndpointError) as pending:
        client.ciba(bcar)  # no class for the code now ...
    assert "authorization_pending" == pending.value.error
    job = BackChannelAuthenticationPoolingJob(client, bcar, interval=0)
    assert job() is None  # ... but the job still knows what it means
    auth_server.approve_ciba(bcar.auth_req_id)
    token = job()
    assert token is not None
    assert "gina" == _subject(auth_server, token)


@pytest.mark.integration
def test_an_id_token_hint_names_the_user_of_that_id_token(auth_server: AuthServer) -> None:
    client = _client(auth_server)
    first = client.backchannel_authentication_request(login_hint="erin")
    auth_server.approve_ciba(first.auth_req_id)
    id_token = client.ciba(first).id_token
    assert id_token is not None
    again = client.backchannel_authentication_request(id_token_hint=id_token, user_code="1234")
    assert "erin" == auth_server.approve_ciba(again.auth_req_id)["account_id"]
    assert "erin" == _subject(auth_server, client.ciba(again.auth_req_id))


@pytest.mark.integration
def test_the_servers_refusals_raise_their_ciba_classes(auth_server: AuthServer) -> None:
    client = _client(auth_server)
    with pytest.raises(UnknownUserId) as unknown:
        client.backchannel_authentication_request(login_hint="unknown")
    assert isinstance(unknown.value, BackChannelAuthenticationError)
    # The test server's own rule: at most 20 characters, no spaces.
    with pytest.raises(InvalidBindingMessage):
        client.backchannel_authentication_request(login_hint="x", binding_message="Pay 10 EUR?")
    # It supports no login_hint_token: its refusal proves the hint was sent.
    with pytest.raises(InvalidRequest, match="login_hint_token is not supported"):
        client.backchannel_authentication_request(login_hint_token="eyJ.x.y")


@pytest.mark.integration
def test_a_request_expires_after_its_requested_expiry(auth_server: AuthServer) -> None:
    client = _client(auth_server)
    longer = client.backchannel_authentication_request(login_hint="x", requested_expiry=30)
    assert longer.expires_in is not None
    assert 28 <= longer.expires_in <= 30  # the server honoured what was asked
    bcar = client.backchannel_authentication_request(login_hint="fred", requested_expiry=1)
    job = BackChannelAuthenticationPoolingJob(client, bcar, interval=0.25)  # real waits
    started = time.monotonic()

    def poll_until_an_answer_other_than_pending() -> None:
        while job() is None:
            assert time.monotonic() - started < 5, "the request never expired"

    with pytest.raises(ExpiredToken):
        poll_until_an_answer_other_than_pending()


# --- the hint rules and other checks, before anything is sent ------------------------------


@pytest.mark.parametrize(
    "hints",
    [{}, {"login_hint": "a", "id_token_hint": "b"}, {"login_hint": "a", "login_hint_token": "b"},
     {"login_hint": "a", "login_hint_token": "b", "id_token_hint": "c"}],
)  # fmt: skip
def test_exactly_one_hint_is_needed(hints: dict[str, str]) -> None:
    with responses.RequestsMock() as rsps:
        with pytest.raises(InvalidBackchannelAuthenticationRequestHintParam, match="exactly one"):
            _stub_client().backchannel_authentication_request(**hints)
        assert [] == list(rsps.calls)
    assert issubclass(InvalidBackchannelAuthenticationRequestHintParam, InvalidParam)


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"login_hint": ""}, InvalidParam),
        ({"login_hint": 5}, InvalidParam),
        ({"id_token_hint": b"eyJ"}, InvalidParam),
        ({"login_hint": "a", "scope": 5}, InvalidScopeParam),
        ({"login_hint": "a", "scope": ["openid", ""]}, InvalidScopeParam),
        ({"login_hint": "a", "acr_values": 5}, InvalidAcrValuesParam),
        ({"login_hint": "a", "binding_message": ""}, InvalidParam),
        ({"login_hint": "a", "binding_message": "line\nbreak"}, InvalidParam),
        ({"login_hint": "a", "binding_message": 1234}, InvalidParam),
        ({"login_hint": "a", "user_code": ""}, InvalidParam),
        ({"login_hint": "a", "requested_expiry": 0}, InvalidParam),
        ({"login_hint": "a", "requested_expiry": -5}, InvalidParam),
        ({"login_hint": "a", "requested_expiry": True}, InvalidParam),
        ({"login_hint": "a", "requested_expiry": "30"}, InvalidParam),
        ({"login_hint": "a", "requested_expiry": 1.5}, InvalidParam),
        ({"login_hint": "a", "client_notification_token": ""}, InvalidParam),
        ({"login_hint": "a", "private_jwk": {"kty": "EC"}}, InvalidParam),
        ({"login_hint": "a", "alg": "ES256"}, InvalidParam),
    ],
)
def test_unusable_arguments_are_refused_before_sending(
    kwargs: dict[str, Any], error: type[Exception]
) -> None:
    with responses.RequestsMock() as rsps:
        with pytest.raises(error):
            _stub_client().backchannel_authentication_request(**kwargs)
        assert [] == list(rsps.calls)


def test_the_request_sends_each_parameter_once_in_its_form() -> None:
    """Stubbed: to read the form that was sent."""
    with responses.RequestsMock() as rsps:
        rsps.post(STUB_CIBA, json={"auth_req_id": "r-1", "expires_in": 120, "interval": 2})
        bcar = _stub_client().backchannel_authentication_request(
            scope=("openid", "profile"), login_hint="bob", acr_values=["urn:a", "urn:b"],
            binding_message="Pay 5 EUR?", user_code="1234", requested_expiry=120,
            client_notification_token="cnt", custom="x",
        )  # fmt: skip
        request = rsps.calls[0].request
    form = parse_qs(str(request.body))
    assert {
        "scope": ["openid profile"], "login_hint": ["bob"], "acr_values": ["urn:a urn:b"],
        "binding_message": ["Pay 5 EUR?"], "user_code": ["1234"], "requested_expiry": ["120"],
        "client_notification_token": ["cnt"], "custom": ["x"], "client_id": ["c"],
        "client_secret": ["s"],
    } == form  # fmt: skip
    assert "application/json" == request.headers["Accept"]
    assert ("r-1", 2) == (bcar.auth_req_id, bcar.interval)


def test_scope_defaults_to_openid_and_unset_parameters_are_not_sent() -> None:
    """Stubbed: to read the form that was sent."""
    with responses.RequestsMock() as rsps:
        rsps.post(STUB_CIBA, json={"auth_req_id": "r-1"})
        _stub_client().backchannel_authentication_request(login_hint="bob")
        form = parse_qs(str(rsps.calls[0].request.body))
    assert {"scope": ["openid"], "login_hint": ["bob"], "client_id": ["c"], "client_secret": ["s"]} == form  # fmt: skip


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        ({"status": 400, "json": {"error": "custom_code"}}, BackChannelAuthenticationError),
        ({"status": 502, "body": "bad gateway"}, InvalidBackChannelAuthenticationResponse),
        ({"status": 200, "body": "not json"}, InvalidBackChannelAuthenticationResponse),
        ({"status": 200, "json": {"expires_in": 60}}, InvalidBackChannelAuthenticationResponse),
        ({"status": 200, "json": {"auth_req_id": ""}}, InvalidBackChannelAuthenticationResponse),
        (
            {"status": 200, "json": {"auth_req_id": "r", "interval": -1}},
            InvalidBackChannelAuthenticationResponse,
        ),
        (
            {"status": 200, "json": {"auth_req_id": "r", "expires_in": [1]}},
            InvalidBackChannelAuthenticationResponse,
        ),
    ],
)
def test_unusable_answers_raise_the_endpoints_own_errors(
    answer: dict[str, Any], error: type[Exception]
) -> None:
    """Stubbed: the test server answers no unknown error codes and no malformed responses."""
    with responses.RequestsMock() as rsps:
        rsps.post(STUB_CIBA, **answer)
        with pytest.raises(error):
            _stub_client().backchannel_authentication_request(login_hint="a")


def test_the_endpoint_must_be_configured() -> None:
    with pytest.raises(MissingEndpointUri, match="backchannel_authentication_endpoint"):
        OAuth2Client(STUB_TOKEN, auth=("c", "s")).backchannel_authentication_request(login_hint="a")


# --- the grant and the job ---------------------------------------------------------------------


@pytest.mark.parametrize("auth_req_id", [None, "", 7])
def test_a_missing_auth_req_id_is_refused_before_sending(auth_req_id: Any) -> None:
    client = _stub_client()
    with responses.RequestsMock():
        with pytest.raises(MissingAuthRequestId):
            client.ciba(auth_req_id)
        with pytest.raises(MissingAuthRequestId):
            BackChannelAuthenticationPoolingJob(client, auth_req_id)
    assert issubclass(MissingAuthRequestId, ValueError)


def test_slow_down_lengthens_the_interval_of_ciba_polling() -> None:
    """Stubbed: the test server never answers slow_down."""
    waits: list[float] = []
    job = BackChannelAuthenticationPoolingJob(_stub_client(), "r-1", sleeper=waits.append)
    with responses.RequestsMock() as rsps:
        rsps.post(STUB_TOKEN, status=400, json={"error": "slow_down"})
        rsps.post(STUB_TOKEN, json={"access_token": "at", "token_type": "Bearer"})
        assert job() is None
        assert job() is not None
        body = parse_qs(str(rsps.calls[0].request.body))
    assert ["urn:openid:params:grant-type:ciba"] == body["grant_type"]
    assert ["r-1"] == body["auth_req_id"]
    assert [5, 10] == waits  # a bare auth_req_id: CIBA's default of 5 seconds


def test_jobs_compare_by_value_and_take_the_responses_interval() -> None:
    client = _stub_client()
    bcar = BackChannelAuthenticationResponse("r-1", interval=0)
    job = BackChannelAuthenticationPoolingJob(client, bcar)
    assert job == BackChannelAuthenticationPoolingJob(client, bcar)
    assert job != BackChannelAuthenticationPoolingJob(client, "r-1")
    assert (0, 5) == (job.interval, job.slow_down_interval)  # 0 is kept, not replaced by 5
    assert 3 == BackChannelAuthenticationPoolingJob(client, bcar, interval=3).interval
    assert "r-1" not in repr(job)


def test_the_response_reads_other_members_and_hides_the_auth_req_id() -> None:
    bcar = BackChannelAuthenticationResponse("secret-id", expires_in=60, zero=0, empty="")
    assert (0, "") == (bcar.zero, bcar.empty)  # falsy members too
    assert {"zero": 0, "empty": ""} == bcar.other
    with pytest.raises(AttributeError):
        _ = bcar.missing
    assert 20 == bcar.interval
    assert bcar.expires_in is not None
    assert 59 <= bcar.expires_in <= 60
    assert "secret-id" not in repr(bcar)
    old = BackChannelAuthenticationResponse(
        "r", expires_at=datetime.now(tz=UTC) - timedelta(seconds=5)
    )
    assert old.is_expired() is True
    assert old.is_expired(leeway=30) is False
    assert BackChannelAuthenticationResponse("r").is_expired() is None
    with pytest.raises(InvalidParam):
        BackChannelAuthenticationResponse("r", interval=float("inf"))


def test_the_names_are_exported_from_the_package_root() -> None:
    assert oauth2kit.BackChannelAuthenticationResponse is BackChannelAuthenticationResponse
    assert oauth2kit.BackChannelAuthenticationPoolingJob is BackChannelAuthenticationPoolingJob
    assert oauth2kit.BackChannelAuthenticationPollingJob is BackChannelAuthenticationPoolingJob
    assert oauth2kit.MissingAuthRequestId is MissingAuthRequestId
    assert oauth2kit.UnknownUserId is UnknownUserId
    assert (
        oauth2kit.InvalidBackchannelAuthenticationRequestHintParam
        is InvalidBackchannelAuthenticationRequestHintParam
    )
