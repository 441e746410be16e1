"""Shared fixtures: the real test authorization server, and clean plugin hosts."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from as_server import auth_server  # noqa: F401 - re-exported as a fixture

from oauth2kit import PluginHost, set_default_host


@pytest.fixture
def fresh_default_host() -> Iterator[None]:
    """Rediscover plugins for this test, and again after it (env-var blocking, ...)."""
    set_default_host(None)
    yield
    set_default_host(None)


@pytest.fixture
def empty_host() -> PluginHost:
    """A host with no plugins at all, for tests that register their own."""
    return PluginHost(load_entry_points=False)
