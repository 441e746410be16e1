"""`BearerTokenSerializer` (plugin ``token.serializer``): round trips, the format, bad input.

The seed's defects are fixed: an expired token keeps its expiry exactly, and a token of
any registered type comes back as its own class. Bad input raises `InvalidSerializedToken`
(an `InvalidParam`), and no message quotes a secret.
"""

from __future__ import annotations

import base64
import json
import zlib
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
import requests
from as_server import REDIRECT_URI, AuthServer
from code_flow import code_client

from oauth2kit import (
    BearerToken,
    BearerTokenSerializer,
    InvalidParam,
    InvalidSerializedToken,
    OAuth2Client,
    OAuth2KitError,
    PluginInfo,
    Registry,
    default_host,
    hookimpl,
)

ACCESS = "at-s3cr3t-access"
REFRESH = "rt-s3cr3t-refresh"
ID_TOKEN = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJhbGljZSJ9.id-s3cr3t"
SECRETS = (ACCESS, REFRESH, ID_TOKEN)
PAST = datetime(2020, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)


def seed_format(members: object) -> str:
    """`members` as the seed writes them: JSON, raw deflate, unpadded base64url."""
    deflater = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    compressed = deflater.compress(json.dumps(members).encode()) + deflater.flush()
    return base64.urlsafe_b64encode(compressed).rstrip(b"=").decode("ascii")


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def raw_deflate(data: bytes) -> bytes:
    deflater = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    return deflater.compress(data) + deflater.flush()


def decoded(serialized: str) -> dict[str, Any]:
    """What a serialized token holds, read without the serializer."""
    compressed = base64.urlsafe_b64decode(serialized + "=" * (-len(serialized) % 4))
    members: dict[str, Any] = json.loads(zlib.decompress(compressed, -zlib.MAX_WBITS))
    return members


def round_trip(token: BearerToken) -> BearerToken:
    serializer = BearerTokenSerializer()
    return serializer.loads(serializer.dumps(token))


# --- round trips -------------------------------------------------------------------------------


def test_a_fresh_token_round_trips_to_an_equal_token() -> None:
    token = BearerToken(ACCESS, expires_in=3600, scope="read write", refresh_token=REFRESH)
    loaded = round_trip(token)
    assert token == loaded
    assert type(loaded) is BearerToken
    assert token.expires_at == loaded.expires_at
    assert loaded.expires_at is not None
    assert 0 != loaded.expires_at.microsecond  # kept to the microsecond, not cut
    assert 3599 <= (loaded.expires_in or 0) <= 3600
    assert loaded.is_expired() is False


def test_an_expired_token_keeps_its_expiry_exactly() -> None:
    token = BearerToken(ACCESS, expires_at=PAST)
    loaded = round_trip(token)
    assert PAST == loaded.expires_at
    assert loaded.is_expired() is True
    assert (loaded.expires_in or 0) < 0
    # Expired by a second only, from expires_in: the same.
    just_expired = BearerToken(ACCESS, expires_in=-1)
    assert just_expired.expires_at == round_trip(just_expired).expires_at


@pytest.mark.parametrize(
    "expires_at",
    [
        datetime(2020, 1, 2, 3, 4, 5, tzinfo=UTC),  # a whole second: an int, as the seed writes
        datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),  # past a float's microseconds
        datetime(1969, 12, 31, 23, 59, 58, 500000, tzinfo=UTC),  # before the epoch
        datetime(2030, 6, 1, 12, 0, 0, 1, tzinfo=timezone(timedelta(hours=-7))),
    ],
)
def test_any_expiry_round_trips_exactly(expires_at: datetime) -> None:
    loaded = round_trip(BearerToken(ACCESS, expires_at=expires_at))
    assert expires_at == loaded.expires_at
    assert UTC == loaded.expires_at.tzinfo


def test_a_whole_second_expiry_is_written_as_the_seeds_int() -> None:
    serialized = BearerTokenSerializer().dumps(BearerToken(ACCESS, expires_at=PAST))
    assert 1577934245.678901 == decoded(serialized)["expires_at"]
    whole = BearerTokenSerializer().dumps(
        BearerToken(ACCESS, expires_at=PAST.replace(microsecond=0))
    )
    assert 1577934245 == decoded(whole)["expires_at"]


def test_a_token_without_expiry_stays_without() -> None:
    token = BearerToken(ACCESS)
    serialized = BearerTokenSerializer().dumps(token)
    assert {"access_token": ACCESS, "token_type": "Bearer"} == decoded(serialized)
    loaded = BearerTokenSerializer().loads(serialized)
    assert loaded.expires_at is None
    assert loaded.is_expired() is None
    assert token == loaded


def test_refresh_and_id_tokens_and_extra_members_round_trip() -> None:
    dotted: dict[str, Any] = {"my.attr": True}  # not an identifier: by subscript only
    token = BearerToken(
        ACCESS,
        expires_in=60,
        scope="openid email",
        refresh_token=REFRESH,
        id_token=ID_TOKEN,
        token_type="bearer",  # as the server spelled it
        issued_token_type="urn:ietf:params:oauth:token-type:access_token",
        count=0,
        ratio=0.1,
        empty="",
        nothing=None,
        nested={"a": [1, 2.5, {"b": None}], "ü": "ñ"},
        **dotted,
    )
    loaded = round_trip(token)
    assert token == loaded
    assert (REFRESH, ID_TOKEN, "bearer") == (
        loaded.refresh_token,
        loaded.id_token,
        loaded.token_type,
    )
    assert (0, 0.1, "", None) == (loaded.count, loaded.ratio, loaded.empty, loaded.nothing)
    assert type(loaded.ratio) is float
    assert {"a": [1, 2.5, {"b": None}], "ü": "ñ"} == loaded.nested
    assert type(loaded.nested["a"][1]) is float
    assert loaded["my.attr"] is True
    assert token.kwargs == loaded.kwargs


def test_a_string_in_the_seeds_format_loads() -> None:
    serialized = seed_format(
        {
            "access_token": ACCESS,
            "expires_at": 1577934245,
            "scope": "a b",
            "refresh_token": REFRESH,
            "token_type": "Bearer",
            "foo": 1,
        }
    )
    loaded = BearerTokenSerializer().loads(serialized)
    assert PAST.replace(microsecond=0) == loaded.expires_at
    assert (ACCESS, REFRESH, "a b", 1) == (
        loaded.access_token,
        loaded.refresh_token,
        loaded.scope,
        loaded.foo,
    )


def test_the_defaults_are_usable_without_an_instance() -> None:
    token = BearerToken(ACCESS, expires_at=PAST)
    serialized = BearerTokenSerializer.default_dumper(token)
    assert token == BearerTokenSerializer.default_loader(serialized)
    assert token == BearerTokenSerializer().default_loader(serialized, token_class=BearerToken)


def test_a_custom_dumper_and_loader_are_used() -> None:
    seen: list[object] = []

    def dumper(token: BearerToken) -> str:
        seen.append(token)
        return token.access_token

    def loader(serialized: str) -> BearerToken:
        seen.append(serialized)
        return BearerToken(serialized)

    serializer = BearerTokenSerializer(dumper=dumper, loader=loader)
    token = BearerToken(ACCESS)
    assert ACCESS == serializer.dumps(token)
    assert BearerToken(ACCESS) == serializer.loads(ACCESS)
    assert [token, ACCESS] == seen


# --- other token types -------------------------------------------------------------------------


class NotApplicableToken(BearerToken):
    """A token type of RFC 8693's ``N_A``, as a plugin would register one."""

    TOKEN_TYPE = "N_A"


class ProxyBearerToken(BearerToken):
    """A Bearer token for ``Proxy-Authorization``, registered to replace the built-in."""

    AUTHORIZATION_HEADER = "Proxy-Authorization"


class TokenTypes:
    """A run-time plugin that registers the two classes above."""

    @hookimpl
    def oauth2kit_register_token_types(self, registry: Registry[type[BearerToken]]) -> None:
        registry.add("N_A", NotApplicableToken)
        registry.add("Bearer", ProxyBearerToken, replace=True)


@pytest.fixture
def registered(fresh_default_host: None) -> PluginInfo:
    # On the default host, which the loader asks; fresh_default_host drops it afterwards.
    info = default_host().register(TokenTypes(), name="test.token_types")
    assert "loaded" == info.status, info.error
    return info


def test_a_registered_token_type_comes_back_as_its_class(registered: PluginInfo) -> None:
    token = NotApplicableToken(ACCESS, expires_at=PAST, issued_token_type="urn:x")
    loaded = round_trip(token)
    assert type(loaded) is NotApplicableToken
    assert token == loaded
    assert "N_A" == decoded(BearerTokenSerializer().dumps(token))["token_type"]


def test_a_replaced_bearer_class_comes_back_as_the_replacement(registered: PluginInfo) -> None:
    loaded = round_trip(BearerToken(ACCESS))
    assert type(loaded) is ProxyBearerToken
    prepared = requests.Request("GET", "https://api.example/").prepare()
    assert f"Bearer {ACCESS}" == loaded(prepared).headers["Proxy-Authorization"]


def test_the_given_class_bounds_what_the_registry_may_choose(registered: PluginInfo) -> None:
    serialized = BearerTokenSerializer().dumps(NotApplicableToken(ACCESS))

    class Other(BearerToken):
        TOKEN_TYPE = "Other"

    with pytest.raises(InvalidSerializedToken, match=r"no Other class .* 'N_A'"):
        BearerTokenSerializer.default_loader(serialized, token_class=Other)
    assert type(BearerTokenSerializer.default_loader(serialized, NotApplicableToken)) is (
        NotApplicableToken
    )


def test_an_unregistered_token_type_loads_only_with_its_class(fresh_default_host: None) -> None:
    serialized = BearerTokenSerializer().dumps(NotApplicableToken(ACCESS))
    with pytest.raises(InvalidSerializedToken, match="token_type 'N_A'"):
        BearerTokenSerializer().loads(serialized)
    loaded = BearerTokenSerializer.default_loader(serialized, token_class=NotApplicableToken)
    assert type(loaded) is NotApplicableToken


def test_token_class_must_be_a_token_class() -> None:
    serialized = BearerTokenSerializer().dumps(BearerToken(ACCESS))
    with pytest.raises(InvalidParam, match="token_class"):
        BearerTokenSerializer.default_loader(serialized, token_class=dict)  # type: ignore[arg-type]


# --- bad input ---------------------------------------------------------------------------------

BAD_INPUT = {
    "bytes": (b"abc", "a str"),
    "None": (None, "a str"),
    "empty": ("", "base64url"),
    "outside the alphabet": ("abc$def", "base64url"),
    "padded": (b64url(raw_deflate(b"{}")) + "==", "base64url"),
    "standard base64": ("ab+/", "base64url"),
    "non-ASCII": ("abcé", "base64url"),
    "impossible length": ("abcde", "base64url"),
    "not deflate": (b64url(b"\xff\xfe\xfd\xfc not deflate"), "deflate"),
    "cut short": (b64url(raw_deflate(b'{"access_token": "x"}')[:-3]), "cut short"),
    "trailing data": (b64url(raw_deflate(b'{"access_token": "x"}') + b"junk"), "trailing"),
    "deflate bomb": (b64url(raw_deflate(b" " * (300 * 1024))), "inflates past"),
    "not UTF-8": (b64url(raw_deflate(b"\xff\xfe")), "not JSON"),
    "not JSON": (b64url(raw_deflate(b"access_token=x")), "not JSON"),
    "NaN": (b64url(raw_deflate(b'{"access_token": "x", "n": NaN}')), "not JSON"),
    "too deep": (b64url(raw_deflate(b"[" * 200_000)), "not JSON"),
    "a list": (seed_format([{"access_token": "x"}]), "JSON list, not an object"),
    "a str": (seed_format("x"), "JSON str"),
    "no access_token": (seed_format({"token_type": "Bearer"}), "no access_token"),
    "access_token not a str": (seed_format({"access_token": 5}), "access_token must be"),
    "refresh_token not a str": (
        seed_format({"access_token": ACCESS, "refresh_token": ["x"]}),
        "refresh_token must be",
    ),
    "expires_at a str": (seed_format({"access_token": ACCESS, "expires_at": "soon"}), "expires_at"),
    "expires_at a bool": (seed_format({"access_token": ACCESS, "expires_at": True}), "expires_at"),
    "expires_at huge": (seed_format({"access_token": ACCESS, "expires_at": 1e300}), "out of range"),
    "expires_at before year 1": (
        seed_format({"access_token": ACCESS, "expires_at": -62135596801}),
        "out of range",
    ),
    "token_type not a str": (seed_format({"access_token": ACCESS, "token_type": 1}), "token_type"),
    "unknown token_type": (
        seed_format({"access_token": ACCESS, "token_type": "Unheard-Of"}),
        "token_type 'Unheard-Of'",
    ),
}


@pytest.mark.parametrize(("serialized", "message"), BAD_INPUT.values(), ids=BAD_INPUT.keys())
def test_bad_input_raises_the_serializers_own_error(serialized: Any, message: str) -> None:
    with pytest.raises(InvalidSerializedToken, match=message) as caught:
        BearerTokenSerializer().loads(serialized)
    error = caught.value
    assert isinstance(error, InvalidParam)
    assert isinstance(error, OAuth2KitError)
    # Nothing from binascii, zlib or json rides along, nor the text it held.
    assert error.__cause__ is None
    assert error.__suppress_context__ or error.__context__ is None
    if isinstance(serialized, str) and serialized:
        assert serialized not in str(error)


def test_error_messages_never_quote_the_tokens() -> None:
    cases = [
        {"access_token": ACCESS, "refresh_token": 7, "id_token": ID_TOKEN},
        {"access_token": ACCESS, "refresh_token": REFRESH, "token_type": "Unheard-Of"},
        {"access_token": ACCESS, "refresh_token": REFRESH, "expires_at": "x"},
        {"access_token": f"{ACCESS} with a space", "refresh_token": REFRESH},
    ]
    for members in cases:
        with pytest.raises(InvalidSerializedToken) as caught:
            BearerTokenSerializer().loads(seed_format(members))
        assert [] == [secret for secret in SECRETS if secret in str(caught.value)], members


def test_the_loaded_tokens_repr_shows_no_secret() -> None:
    token = BearerToken(ACCESS, expires_at=PAST, refresh_token=REFRESH, id_token=ID_TOKEN, x=1)
    shown = repr(round_trip(token))
    assert [] == [secret for secret in SECRETS if secret in shown]
    assert "BearerToken(access_token='***'" in shown
    serializer = BearerTokenSerializer()
    serializer.dumps(token)
    assert [] == [secret for secret in SECRETS if secret in repr(serializer)]


def test_dumps_refuses_what_it_cannot_serialize() -> None:
    with pytest.raises(InvalidParam, match="only a BearerToken"):
        BearerTokenSerializer().dumps(ACCESS)  # type: ignore[arg-type]
    with pytest.raises(InvalidParam, match="member 'tags'") as caught:
        BearerTokenSerializer().dumps(BearerToken(ACCESS, refresh_token=REFRESH, tags={"a"}))
    assert caught.value.__cause__ is None
    assert [] == [secret for secret in SECRETS if secret in str(caught.value)]
    with pytest.raises(InvalidParam, match="member 'ratio'"):
        BearerTokenSerializer().dumps(BearerToken(ACCESS, ratio=float("nan")))


# --- with tokens from the real server ----------------------------------------------------------


@pytest.mark.integration
def test_a_loaded_client_credentials_token_introspects_active(auth_server: AuthServer) -> None:
    owner = OAuth2Client(auth_server.token_endpoint, auth=("cc-basic", "cc-basic-secret"))
    token = owner.client_credentials(scope="api:read")
    serialized = BearerTokenSerializer().dumps(token)
    assert token.access_token not in serialized  # compressed and encoded, not in clear
    loaded = BearerTokenSerializer().loads(serialized)
    assert token == loaded

    resource_server = OAuth2Client(
        auth_server.token_endpoint,
        auth=("rs-introspector", "rs-introspector-secret"),
        introspection_endpoint=auth_server.discovery["introspection_endpoint"],
    )
    answer = resource_server.introspect_token(loaded)
    assert (True, "cc-basic", "api:read") == (
        answer["active"],
        answer["client_id"],
        answer["scope"],
    )
    assert token.expires_at is not None
    assert int(token.expires_at.timestamp()) == answer["exp"]
    # The loaded token authenticates at the protected resource as the original does.
    response = requests.get(auth_server.url("/test/protected"), auth=loaded, timeout=10)
    assert 200 == response.status_code
    assert "cc-basic" == response.json()["client_id"]


@pytest.mark.integration
def test_a_loaded_user_token_reaches_userinfo_and_refreshes(auth_server: AuthServer) -> None:
    client = code_client(
        auth_server, "web-basic", userinfo_endpoint=auth_server.discovery["userinfo_endpoint"]
    )
    request = client.authorization_request(scope=["openid", "email", "offline_access"])
    assert REDIRECT_URI == request.redirect_uri
    token = client.authorization_code(request.validate_callback(auth_server.authorize(request.uri)))
    assert token.refresh_token is not None
    assert token.id_token is not None

    loaded = BearerTokenSerializer().loads(BearerTokenSerializer().dumps(token))
    assert (token.refresh_token, str(token.id_token)) == (loaded.refresh_token, loaded.id_token)
    assert token.expires_at == loaded.expires_at
    claims = client.userinfo(loaded)
    assert ("alice", "alice@example.test") == (claims["sub"], claims["email"])

    renewed = client.refresh_token(loaded)
    assert renewed.access_token != token.access_token
    assert "alice" == client.userinfo(renewed)["sub"]
