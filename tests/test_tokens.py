"""BearerToken: expiry, custom attributes, the auth handler, and redaction."""

from __future__ import annotations

import pickle
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests

from oauth2kit import BearerToken, ExpiredAccessToken, InvalidParam


def prepared() -> requests.PreparedRequest:
    return requests.Request("GET", "https://rs.example/api").prepare()


def test_expires_in_counts_from_now_to_the_microsecond() -> None:
    # Upstream cuts expires_at to whole seconds, so that a 1-second token could expire a
    # millisecond after it arrived. That quirk is fixed on purpose: the fraction is kept.
    before = time.time()
    token = BearerToken("at", expires_in=1)
    after = time.time()
    assert token.expires_at is not None
    expires = token.expires_at.timestamp()
    assert before + 1 - 1e-6 <= expires <= after + 1 + 1e-6  # to the microsecond of datetime
    assert False is token.is_expired()
    # expires_in stays whole seconds, rounded up: the time left is just under the lifetime.
    assert 1 == token.expires_in
    assert 3600 == BearerToken("at", expires_in=3600).expires_in


@pytest.mark.parametrize(
    ("value", "has_expiry"),
    [
        ("60", True),
        (60.5, True),
        ("foo", False),  # upstream: a non-numeric string means no known expiry
        (None, False),
        (float("inf"), False),
        (10**400, False),  # would overflow a float
        (-(10**10), True),  # long expired, not "never expires"
    ],
)
def test_expires_in_forms(value: object, has_expiry: bool) -> None:
    token = BearerToken("at", expires_in=value)  # type: ignore[arg-type]
    assert (token.expires_at is not None) == has_expiry


@pytest.mark.parametrize("value", [True, [3600], {"s": 3600}])
def test_an_unreadable_expiry_is_refused_not_taken_for_none(value: object) -> None:
    with pytest.raises(InvalidParam, match="expires_in must be a number of seconds"):
        BearerToken("at", expires_in=value)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (None, "must be a JSON object, got NoneType"),
        ([1], "must be a JSON object, got list"),
        ({1: "x", "access_token": "a"}, "must be a JSON object"),
        ({}, "no access_token"),
    ],
)
def test_from_response_refuses_what_is_not_a_token_response(data: Any, message: str) -> None:
    with pytest.raises(InvalidParam, match=message):
        BearerToken.from_response(data)


def test_a_member_named_self_is_a_custom_attribute() -> None:
    token = BearerToken.from_response({"access_token": "a", "self": "x"})
    assert token["self"] == "x"


def test_is_expired_with_leeway() -> None:
    token = BearerToken("at", expires_in=30)
    assert token.is_expired() is False
    assert token.is_expired(leeway=60) is True
    assert BearerToken("at").is_expired() is None


def test_naive_expires_at_is_taken_as_utc() -> None:
    naive = datetime.now(tz=UTC).replace(tzinfo=None) - timedelta(seconds=5)
    assert BearerToken("at", expires_at=naive).is_expired() is True


def test_auth_handler_adds_the_header() -> None:
    request = BearerToken("at", expires_in=60)(prepared())
    assert request.headers["Authorization"] == "Bearer at"


def test_expired_token_is_not_sent() -> None:
    token = BearerToken("at", expires_at=datetime.now(tz=UTC) - timedelta(seconds=1))
    with pytest.raises(ExpiredAccessToken):
        token(prepared())


def test_subclass_can_change_header_and_scheme() -> None:
    class ProxyToken(BearerToken):
        AUTHORIZATION_HEADER = "Proxy-Authorization"

    assert ProxyToken("at")(prepared()).headers["Proxy-Authorization"] == "Bearer at"


def test_custom_attributes_by_attribute_and_subscript() -> None:
    extra: dict[str, Any] = {"my.attr": 1, "zero": 0, "empty": ""}
    token = BearerToken("at", issued_token_type="urn:x", **extra)
    assert token.issued_token_type == "urn:x"
    assert token["my.attr"] == 1
    assert token.zero == 0  # falsy values are values (upstream raised AttributeError)
    assert token.empty == ""
    assert token["access_token"] == "at"
    with pytest.raises(AttributeError):
        _ = token.nothing
    with pytest.raises(KeyError):
        _ = token["nothing"]


def test_token_type_is_checked_case_insensitively() -> None:
    assert BearerToken("at", token_type="bearer").token_type == "bearer"
    with pytest.raises(InvalidParam, match="token_type"):
        BearerToken("at", token_type="DPoP")


def test_access_token_must_be_a_string() -> None:
    with pytest.raises(InvalidParam):
        BearerToken("")
    with pytest.raises(InvalidParam):
        BearerToken(42)  # type: ignore[arg-type]


def test_str_is_the_token_and_repr_is_redacted() -> None:
    token = BearerToken(
        "secret-at", refresh_token="secret-rt", id_token="secret-it", scope="a", extra="e"
    )
    assert str(token) == "secret-at"
    text = repr(token)
    for secret in ("secret-at", "secret-rt", "secret-it", "'e'"):
        assert secret not in text
    assert "scope='a'" in text


def test_as_dict_round_trip() -> None:
    token = BearerToken("at", expires_in=60, scope="a", refresh_token="rt", custom="c")
    data = token.as_dict()
    assert data["custom"] == "c"
    assert 58 <= data["expires_in"] <= 60
    assert BearerToken.from_response(data).as_dict().keys() == data.keys()


def test_equality_and_pickling() -> None:
    token = BearerToken("at", expires_in=60, custom="c")
    assert token == pickle.loads(pickle.dumps(token))
    assert token != BearerToken("other")
    assert len({token, token}) == 1


@pytest.mark.parametrize("expires_in", [float("nan"), float("inf"), "1e400", 10**30])
def test_absurd_expires_in_means_no_known_expiry(expires_in: object) -> None:
    assert BearerToken("at", expires_in=expires_in).expires_at is None  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "fields",
    [
        {"refresh_token": 42},
        {"id_token": ["x"]},
        {"expires_at": "2026-01-01"},
        {"scope": 7},
    ],
)
def test_badly_typed_standard_members_are_refused(fields: dict[str, object]) -> None:
    with pytest.raises(InvalidParam):
        BearerToken("at", **fields)  # type: ignore[arg-type]


def test_scope_as_a_json_array_is_joined() -> None:
    assert BearerToken("at", scope=["a", "b"]).scope == "a b"  # type: ignore[arg-type]
