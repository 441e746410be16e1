"""Finding plugins: the one module that talks to stevedore.

The kernel never imports a plugin by itself; the plugin host asks this module to list the
``oauth2kit.plugins`` entry points (once, the first time a client needs plugins), and
imports each plugin from its entry point when it needs it.
"""

from __future__ import annotations

import functools
import importlib.metadata
import logging

__all__ = ["ENTRY_POINT_GROUP", "EntryPoint", "distribution_of", "list_plugins"]

ENTRY_POINT_GROUP = "oauth2kit.plugins"

EntryPoint = importlib.metadata.EntryPoint

logger = logging.getLogger("oauth2kit.plugins")


def list_plugins() -> dict[str, EntryPoint]:
    """The ``oauth2kit.plugins`` entry points by name, through stevedore (and its cache).

    The first distribution listed for a name wins; a second one is logged and left out.
    """
    import stevedore  # noqa: PLC0415 - imported only when plugins are first needed

    # A manager that loads nothing lists the group.
    lister: stevedore.ExtensionManager[object] = stevedore.NamedExtensionManager(
        ENTRY_POINT_GROUP, names=[], on_missing_entrypoints_callback=None
    )
    found: dict[str, EntryPoint] = {}
    for entry_point in lister.list_entry_points():
        first = found.setdefault(entry_point.name, entry_point)
        if first.value != entry_point.value:
            logger.warning(
                "two installed distributions provide oauth2kit plugin %r: %s is used, %s is not",
                entry_point.name, first.value, entry_point.value,
            )  # fmt: skip
    return found


@functools.cache
def _entry_point_distributions() -> dict[str, tuple[str, str]]:
    """Entry-point name -> (distribution, version), the first distribution listed winning."""
    listed = reversed(importlib.metadata.entry_points(group=ENTRY_POINT_GROUP))
    return {ep.name: (ep.dist.name, ep.dist.version) for ep in listed if ep.dist is not None}


def distribution_of(name: str) -> tuple[str | None, str | None]:
    """Return the (distribution, version) that ships plugin `name`, as far as metadata tells."""
    return _entry_point_distributions().get(name, (None, None))
