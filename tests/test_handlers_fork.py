"""A process forked while a handler renews its token, or holds its lock, must not hang.

The child inherits the parent's memory, but not the thread that was renewing: it must
renew for itself instead of waiting for a renewal that nobody in it will ever finish.
"""

from __future__ import annotations

import gc
import os
import threading
import weakref
from typing import Any

import pytest
from forking import prepared, request_in_a_child

from oauth2kit import BearerToken, OAuth2Client, OAuth2ClientCredentialsAuth

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="the platform has no fork")

CHILD_TIMEOUT = 10.0


class StallingClient(OAuth2Client):
    """Answers client credentials with ``at-<pid>-<n>``; in its own process, the first
    answer waits until `release` is set (a renewal in flight for as long as needed)."""

    release: threading.Event
    stalled: threading.Event
    calls: list[int]
    owner: int

    def __init__(self) -> None:
        super().__init__("https://as.example/token", auth="fake-client", testing=True)
        fake: Any = object.__setattr__  # the client is frozen; these are the fake's own
        fake(self, "release", threading.Event())
        fake(self, "stalled", threading.Event())
        fake(self, "calls", [])
        fake(self, "owner", os.getpid())

    def client_credentials(self, *_: Any, **__: Any) -> BearerToken:
        self.calls.append(os.getpid())
        if os.getpid() == self.owner and not self.stalled.is_set():
            self.stalled.set()
            self.release.wait(timeout=30)
        return BearerToken(f"at-{os.getpid()}-{len(self.calls)}", expires_in=3600)


def test_a_child_forked_during_a_renewal_renews_for_itself() -> None:
    client = StallingClient()
    auth = OAuth2ClientCredentialsAuth(client)
    leader = threading.Thread(target=auth, args=(prepared(),), daemon=True)
    leader.start()
    assert client.stalled.wait(timeout=10)  # the parent's renewal is in flight
    try:
        child, code, report = request_in_a_child(auth, CHILD_TIMEOUT)
    finally:
        client.release.set()
        leader.join(timeout=10)
    # Its own token: the parent's first call, then the child's (the list was copied).
    assert (0, f"Bearer at-{child}-2") == (code, report)
    # The parent's renewal went on undisturbed by the fork.
    assert not leader.is_alive()
    assert f"Bearer at-{os.getpid()}-1" == auth(prepared()).headers["Authorization"]


def test_a_child_forked_while_a_thread_holds_the_handler_lock_does_not_wait_for_it() -> None:
    # The lock is held only for a moment at a time; a thread holds it here for as long as
    # the fork takes, to make the moment certain (white box: the lock is private).
    client = StallingClient()
    client.stalled.set()  # no stalling: the renewal itself is not what this test is about
    auth = OAuth2ClientCredentialsAuth(client)
    held, done = threading.Event(), threading.Event()

    def hold() -> None:
        with auth._lock:  # see above
            held.set()
            done.wait(timeout=30)

    holder = threading.Thread(target=hold, daemon=True)
    holder.start()
    assert held.wait(timeout=10)
    try:
        child, code, report = request_in_a_child(auth, CHILD_TIMEOUT)
    finally:
        done.set()
        holder.join(timeout=10)
    assert (0, f"Bearer at-{child}-1") == (code, report)


def test_handlers_are_not_kept_alive_for_the_fork_hook() -> None:
    auth = OAuth2ClientCredentialsAuth(StallingClient())
    ref = weakref.ref(auth)
    del auth
    gc.collect()
    assert None is ref()
