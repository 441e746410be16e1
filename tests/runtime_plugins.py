"""Helpers for tests that build plugins at run time, as modules of hook implementations."""

from __future__ import annotations

import types
from typing import TYPE_CHECKING, Any

from oauth2kit import hookimpl

if TYPE_CHECKING:
    from oauth2kit import OAuth2Client


def make_plugin(name: str, **hooks: Any) -> types.ModuleType:
    """Build a plugin module at run time from hook implementations."""
    module = types.ModuleType(name)
    for hook_name, function in hooks.items():
        setattr(module, hook_name, hookimpl(function))
    return module


class EchoGrant:
    """A grant whose token request is the caller's parameters, as they came."""

    grant_type = "urn:test:echo"

    def build(self, client: OAuth2Client, params: dict[str, Any]) -> dict[str, Any]:
        return dict(params)


def grant_plugin(
    grant_name: str, *, replace: bool = False, grant: object = None
) -> types.ModuleType:
    """A plugin that registers one grant (an `EchoGrant` unless told otherwise)."""

    def oauth2kit_register_grant_types(registry: Any) -> None:
        registry.add(grant_name, EchoGrant() if grant is None else grant, replace=replace)

    return make_plugin(
        f"plugin_{grant_name}", oauth2kit_register_grant_types=oauth2kit_register_grant_types
    )
