"""Threads waiting on another thread's renewal wait no longer than its deadline and a margin."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from oauth2kit import BearerToken, NonRenewableTokenError, OAuth2Client, OAuth2ClientCredentialsAuth

started, release = threading.Event(), threading.Event()


class StuckClient(OAuth2Client):
    """A client whose token request does not end until the test lets it."""

    def client_credentials(self, *args: Any, **kwargs: Any) -> BearerToken:
        started.set()
        release.wait(30)
        return BearerToken("late", expires_in=60)


@pytest.fixture(autouse=True)
def _events() -> Iterator[None]:
    started.clear()
    release.clear()
    yield
    release.set()  # never leave the leader thread stuck


def _prepared() -> requests.PreparedRequest:
    return requests.Request("GET", "https://rs.example/").prepare()


def _leader(auth: OAuth2ClientCredentialsAuth) -> threading.Thread:
    leader = threading.Thread(target=lambda: auth(_prepared()), daemon=True)
    leader.start()
    assert started.wait(5)  # the renewal is under way, in that thread
    return leader


def test_a_waiter_gives_up_after_the_leaders_deadline_and_a_margin(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A 0.2 s timeout: three attempts of it and a 2 s margin make 2.6 s at the most, with the
    # kernel's allowance for retry delays (two of 30 s) taken to 0 to keep the test short.
    monkeypatch.setattr("o2k_builtins.handlers.access_token.MAX_RETRY_DELAY", 0.0)
    client = StuckClient("https://as.example/token", client_id="c", client_secret="s", timeout=0.2)
    auth = OAuth2ClientCredentialsAuth(client)
    leader = _leader(auth)
    began = time.monotonic()
    with pytest.raises(NonRenewableTokenError, match=r"another thread took over 2\.6 s"):
        auth(_prepared())
    assert 2.0 < time.monotonic() - began < 4.0
    release.set()
    leader.join(5)


def test_without_a_timeout_a_waiter_waits_for_the_renewal() -> None:
    client = StuckClient("https://as.example/token", client_id="c", client_secret="s", timeout=None)
    auth = OAuth2ClientCredentialsAuth(client)
    leader = _leader(auth)
    threading.Timer(0.5, release.set).start()
    assert "Bearer late" == auth(_prepared()).headers["Authorization"]
    leader.join(5)
