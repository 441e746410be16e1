"""Property tests: whatever a token or a JWK holds, the facade raises only its own errors."""

from __future__ import annotations

import base64
import contextlib
import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from oauth2kit import jose

KEY = jose.Key(b"k" * 32, kid="k")
JWE_KEY = jose.Key(b"w" * 16, kid="w")

json_values = st.recursive(
    # JSON has no NaN or Infinity: the facade neither writes nor reads them.
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=8,
)
headers = st.fixed_dictionaries(
    {},
    optional={
        "alg": st.sampled_from(["HS256", "none", "RS256", "A128KW", "dir", "X"]) | json_values,
        "enc": st.sampled_from(["A128GCM", "A256CBC-HS512"]) | json_values,
        "kid": st.sampled_from(["k", "w", "other"]) | json_values,
        "zip": st.sampled_from(["DEF", "X"]) | json_values,
        "crit": json_values,
        "epk": json_values,
    },
)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


segment = st.one_of(
    st.binary(max_size=40).map(b64),
    st.text(max_size=20),
    headers.map(lambda h: b64(json.dumps(h).encode())),
    json_values.map(lambda v: b64(json.dumps(v).encode())),
)
tokens = st.one_of(
    st.text(max_size=60),
    st.lists(segment, min_size=1, max_size=6).map(".".join),
    st.binary(max_size=60),
)


def only_jose_errors(call: Any, *args: Any, **kwargs: Any) -> None:
    with contextlib.suppress(jose.JoseError):
        call(*args, **kwargs)


@settings(max_examples=400, deadline=None)
@given(tokens)
def test_compact_parsers_raise_only_facade_errors(token: Any) -> None:
    only_jose_errors(jose.verify_jwt, token, KEY, algs=["HS256"])
    only_jose_errors(jose.decrypt, token, JWE_KEY, ["A128KW", "dir"], ["A128GCM", "A256CBC-HS512"])
    only_jose_errors(jose.peek_header, token)
    only_jose_errors(jose.unverified_claims, token)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from(["kty", "crv", "x", "y", "n", "e", "d", "k", "kid", "use", "alg", "key_ops", "keys"]), json_values | st.binary(max_size=33).map(b64), max_size=6))  # fmt: skip
def test_jwk_parsing_raises_only_invalid_key(jwk: dict[str, Any]) -> None:
    with contextlib.suppress(jose.InvalidKey):
        jose.to_key(jwk)
    with contextlib.suppress(jose.InvalidKey):
        jose.to_key_set(jwk)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=64), json_values)
def test_validly_signed_payloads_of_any_content(payload: bytes, value: Any) -> None:
    only_jose_errors(jose.verify_jwt, jose.sign(payload, KEY, "HS256"), KEY, algs=["HS256"])
    claims = {"v": value}
    assert claims == jose.verify_jwt(jose.sign_jwt(claims, KEY, "HS256"), KEY, ["HS256"]).claims


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=200), st.booleans())
def test_jwe_round_trip_of_any_plaintext(plaintext: bytes, compress: bool) -> None:
    token = jose.encrypt(plaintext, JWE_KEY, "A128KW", "A128GCM", compress=compress)
    assert plaintext == jose.decrypt(token, JWE_KEY, ["A128KW"], ["A128GCM"]).plaintext
