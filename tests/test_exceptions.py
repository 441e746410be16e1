"""Every oauth2kit exception can be copied and pickled, with its attributes intact."""

from __future__ import annotations

import copy
import pickle

import pytest
from as_server import AuthServer

from oauth2kit import (
    BearerToken,
    InvalidClient,
    InvalidEndpointUri,
    InvalidUri,
    MismatchingState,
    MissingEndpointUri,
    MissingRefreshToken,
    OAuth2Client,
    OAuth2KitError,
    PluginDisabled,
    RegistryConflict,
    TransportError,
)

SAMPLES = [
    RegistryConflict("grant_types", "magic", "vendor.a", "vendor.b"),
    PluginDisabled("grant_types", "magic", ("vendor.a",)),
    InvalidEndpointUri("token_endpoint", "http://u:p@as.example/t", InvalidUri("x", ["bad"])),
    MissingEndpointUri("revocation_endpoint"),
    MissingRefreshToken(BearerToken("at")),
    MismatchingState("received", "expected", "request", "https://rp.example/cb?state=received"),
    TransportError("POST https://as.example/token failed: ConnectionError"),
]


def _same(a: BaseException, b: BaseException) -> None:
    assert type(a) is type(b)
    assert a.args == b.args
    assert str(a) == str(b)


@pytest.mark.parametrize("error", SAMPLES, ids=lambda e: type(e).__name__)
def test_copy_and_pickle_keep_type_message_and_attributes(error: OAuth2KitError) -> None:
    for clone in (copy.copy(error), pickle.loads(pickle.dumps(error))):
        assert clone is not error
        _same(clone, error)
        assert sorted(vars(clone)) == sorted(vars(error))
    assert vars(copy.copy(error)) == vars(error)


@pytest.mark.integration
def test_a_real_endpoint_error_crosses_a_process_boundary(auth_server: AuthServer) -> None:
    client = OAuth2Client(
        auth_server.token_endpoint, client_id="cc-basic", client_secret="wrong-secret-value"
    )
    with pytest.raises(InvalidClient) as caught:
        client.client_credentials()
    error = caught.value

    pickled = pickle.dumps(error)
    assert b"wrong-secret-value" not in pickled  # the request's form stays behind
    unpickled = pickle.loads(pickled)
    _same(unpickled, error)
    assert (unpickled.error, unpickled.description) == (error.error, error.description)
    assert unpickled.response.status_code == 401
    assert unpickled.response.json() == error.response.json()
    assert unpickled.client is None  # a client (session, plugins) stays in its process

    copied = copy.copy(error)
    _same(copied, error)
    assert copied.client is client


def test_a_pickled_error_leaves_tokens_behind() -> None:
    error = MissingRefreshToken(BearerToken("access-token-value"))
    assert b"access-token-value" not in pickle.dumps(error)
    assert pickle.loads(pickle.dumps(error)).token is None
