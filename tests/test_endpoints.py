"""Revocation, introspection and userinfo: argument checks, and answers the test server never gives.

The answers are stubbed (``responses``) only where the real server cannot produce them:
error bodies that are not JSON, error codes it never sends, success bodies that are not
JSON. Everything it can produce is tested in test_endpoints_integration.py.
"""

from __future__ import annotations

from urllib.parse import parse_qs

import pytest
import responses
from o2k_builtins.endpoints import introspection, revocation, userinfo
from o2k_builtins.endpoints.userinfo import challenge_error

import oauth2kit
from oauth2kit import (
    BearerToken,
    EndpointError,
    IntrospectionError,
    InvalidClient,
    InvalidParam,
    InvalidUserinfoResponse,
    MissingEndpointUri,
    MissingRefreshToken,
    OAuth2Client,
    OAuth2Error,
    RevocationError,
    UnknownIntrospectionError,
    UnknownTokenType,
    UnsupportedTokenType,
    UserinfoError,
)

REVOCATION = "https://as.example/revoke"
INTROSPECTION = "https://as.example/introspect"
USERINFO = "https://as.example/userinfo"
ACCESS_TOKEN = "at-0123456789"


@pytest.fixture
def client() -> OAuth2Client:
    return OAuth2Client(
        "https://as.example/token",
        auth=("rs", "rs-secret"),
        revocation_endpoint=REVOCATION,
        introspection_endpoint=INTROSPECTION,
        userinfo_endpoint=USERINFO,
    )


# --- revocation: what returns False and what raises ------------------------------------


@pytest.mark.parametrize(
    ("status", "body", "content_type"),
    [
        (503, "<html>down for maintenance</html>", "text/html"),
        (400, "", "text/plain"),
        (400, '{"message": "no"}', "application/json"),  # JSON, but no `error`
    ],
)
@responses.activate
def test_an_error_without_a_standard_body_returns_false(
    client: OAuth2Client, status: int, body: str, content_type: str
) -> None:
    responses.post(REVOCATION, status=status, body=body, content_type=content_type)
    assert client.revoke_token("tok") is False


@responses.activate
def test_unsupported_token_type_has_its_own_class(client: OAuth2Client) -> None:
    error = {"error": "unsupported_token_type", "error_description": "no such revocation"}
    responses.post(REVOCATION, status=400, json=error)
    with pytest.raises(UnsupportedTokenType) as caught:
        client.revoke_token("tok", token_type_hint="id_token")
    assert isinstance(caught.value, RevocationError)
    assert ("unsupported_token_type", "no such revocation") == (
        caught.value.error,
        caught.value.description,
    )
    sent = parse_qs(str(responses.calls[0].request.body))
    assert (["tok"], ["id_token"]) == (sent["token"], sent["token_type_hint"])


@responses.activate
def test_an_unmapped_revocation_error_is_a_revocation_error(client: OAuth2Client) -> None:
    responses.post(REVOCATION, status=400, json={"error": "vendor_specific", "error_uri": "u"})
    with pytest.raises(RevocationError) as caught:
        client.revoke_token("tok")
    assert type(caught.value) is RevocationError
    assert ("vendor_specific", "u") == (caught.value.error, caught.value.uri)


@responses.activate
def test_a_mapped_code_keeps_its_class_at_the_revocation_endpoint(client: OAuth2Client) -> None:
    responses.post(REVOCATION, status=401, json={"error": "invalid_client"})
    with pytest.raises(InvalidClient):
        client.revoke_token("tok")


def test_unsupported_token_type_maps_at_every_endpoint(client: OAuth2Client) -> None:
    assert UnsupportedTokenType is client.lookup(
        client.plugins.error_codes, "unsupported_token_type"
    )


# --- the token and its hint, checked before anything is sent ---------------------------


def test_a_refresh_token_hint_needs_a_refresh_token(client: OAuth2Client) -> None:
    token = BearerToken(ACCESS_TOKEN)
    with pytest.raises(MissingRefreshToken):
        client.revoke_refresh_token(token)
    with pytest.raises(MissingRefreshToken):
        client.introspect_token(token, token_type_hint="refresh_token")


@pytest.mark.parametrize("operation", ["revoke_token", "introspect_token"])
def test_a_token_object_with_another_hint_is_refused(client: OAuth2Client, operation: str) -> None:
    with pytest.raises(UnknownTokenType, match="Invalid `token_type_hint`") as caught:
        client.run(operation, token=BearerToken(ACCESS_TOKEN), token_type_hint="id_token")
    assert ACCESS_TOKEN not in str(caught.value)  # the token stays out of the message
    assert "id_token" == caught.value.token_type


@pytest.mark.parametrize(
    ("token", "hint"),
    [(None, None), ("", None), (b"bytes", None), (42, None), ("tok", ""), ("tok", 7)],
)
def test_unusable_tokens_and_hints_are_refused(
    client: OAuth2Client, token: object, hint: object
) -> None:
    with pytest.raises(InvalidParam):
        client.revoke_token(token, token_type_hint=hint)  # type: ignore[arg-type]
    with pytest.raises(InvalidParam):
        client.introspect_token(token, token_type_hint=hint)  # type: ignore[arg-type]


def test_extra_fields_are_checked_like_any_form(client: OAuth2Client) -> None:
    with pytest.raises(InvalidParam, match="'resource'"):
        client.revoke_token("tok", resource={"not": "sendable"})


@pytest.mark.parametrize(
    ("method", "endpoint"),
    [
        ("revoke_access_token", "revocation_endpoint"),
        ("introspect_token", "introspection_endpoint"),
        ("userinfo", "userinfo_endpoint"),
    ],
)
def test_each_operation_needs_its_endpoint(method: str, endpoint: str) -> None:
    bare = OAuth2Client("https://as.example/token", auth=("rs", "rs-secret"))
    with pytest.raises(MissingEndpointUri) as caught:
        getattr(bare, method)("tok")
    assert endpoint == caught.value.endpoint
    assert isinstance(caught.value, AttributeError)  # as upstream


# --- introspection ---------------------------------------------------------------------


@responses.activate
def test_an_introspection_answer_that_is_not_json_is_returned_as_text(
    client: OAuth2Client,
) -> None:
    responses.post(INTROSPECTION, body="active=true", content_type="text/plain")
    assert "active=true" == client.introspect_token("tok")


@responses.activate
def test_an_introspection_error_without_a_standard_body_is_unknown(client: OAuth2Client) -> None:
    responses.post(INTROSPECTION, status=502, body="bad gateway", content_type="text/plain")
    with pytest.raises(UnknownIntrospectionError, match="HTTP 502") as caught:
        client.introspect_token("tok")
    assert 502 == caught.value.response.status_code


@responses.activate
def test_an_unmapped_introspection_error_is_an_introspection_error(client: OAuth2Client) -> None:
    responses.post(INTROSPECTION, status=400, json={"error": "vendor_specific"})
    with pytest.raises(IntrospectionError) as caught:
        client.introspect_token("tok")
    assert type(caught.value) is IntrospectionError


# --- userinfo --------------------------------------------------------------------------


@responses.activate
def test_userinfo_success_that_is_not_json_is_refused(client: OAuth2Client) -> None:
    responses.post(USERINFO, body="<html>login</html>", content_type="text/html")
    with pytest.raises(InvalidUserinfoResponse, match="not a JSON object"):
        client.userinfo("tok")


@responses.activate
def test_userinfo_error_without_a_code_is_a_plain_oauth2_error(client: OAuth2Client) -> None:
    responses.post(USERINFO, status=500, body="")
    with pytest.raises(OAuth2Error) as caught:
        client.userinfo("tok")
    assert not isinstance(caught.value, EndpointError)


@responses.activate
def test_userinfo_error_in_the_body_is_a_userinfo_error(client: OAuth2Client) -> None:
    responses.post(USERINFO, status=403, json={"error": "insufficient_scope"})
    with pytest.raises(UserinfoError, match="insufficient_scope"):
        client.userinfo(BearerToken(ACCESS_TOKEN))
    assert f"Bearer {ACCESS_TOKEN}" == responses.calls[0].request.headers["Authorization"]


@pytest.mark.parametrize("access_token", [None, 42, b"tok", ""])
def test_userinfo_refuses_what_is_not_an_access_token(
    client: OAuth2Client, access_token: object
) -> None:
    with pytest.raises(InvalidParam):
        client.userinfo(access_token)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ('Bearer error="invalid_token"', {"error": "invalid_token"}),
        (
            'Bearer realm="x", error="insufficient_scope", error_description="needs \\"a\\""',
            {"error": "insufficient_scope", "error_description": 'needs "a"'},
        ),
        ('DPoP algs="ES256", error=use_dpop_nonce', {"error": "use_dpop_nonce"}),
        ('Bearer realm="example"', {}),
        ("", {}),
    ],
)
def test_the_challenge_gives_the_error(header: str, expected: dict[str, str]) -> None:
    assert expected == challenge_error(header)


# --- public names ----------------------------------------------------------------------


def test_the_exceptions_are_exported_from_the_package_root() -> None:
    for module in (revocation, introspection, userinfo):
        for name in dir(module):
            value = getattr(module, name)
            if isinstance(value, type) and value.__module__ == module.__name__:
                assert value is getattr(oauth2kit, name)
