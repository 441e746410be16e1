"""Finding plugins: the one module that talks to stevedore and imports plugin modules.

The kernel never imports a plugin by itself; the plugin host asks this module to list the
``oauth2kit.plugins`` entry points (once, the first time a client needs plugins) and to
import each plugin when the host needs it.
"""

from __future__ import annotations

import functools
import importlib.metadata
import logging
from typing import NamedTuple

__all__ = ["ENTRY_POINT_GROUP", "EntryPoint", "distribution_of", "import_plugin", "list_plugins"]

ENTRY_POINT_GROUP = "oauth2kit.plugins"

logger = logging.getLogger("oauth2kit.plugins")


class EntryPoint(NamedTuple):
    """A plugin's entry point: its name and the module (or ``module:object``) it names."""

    name: str
    target: str


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
        first = found.setdefault(entry_point.name, EntryPoint(entry_point.name, entry_point.value))
        if first.target != entry_point.value:
            logger.warning(
                "two installed distributions provide oauth2kit plugin %r: %s is used, %s is not",
                entry_point.name, first.target, entry_point.value,
            )  # fmt: skip
    return found


def import_plugin(entry_point: EntryPoint) -> object:
    """Import the plugin object that `entry_point` names.

    Each plugin is imported on its own (stevedore's loader lets an AssertionError through
    and stops at it), so whatever a broken plugin raises sets only that one aside: the
    caller catches it.
    """
    loaded: object = importlib.metadata.EntryPoint(
        entry_point.name, entry_point.target, ENTRY_POINT_GROUP
    ).load()
    return loaded


@functools.cache
def _entry_point_distributions() -> dict[str, tuple[str, str]]:
    """Entry-point name -> (distribution, version), read from installed metadata."""
    found: dict[str, tuple[str, str]] = {}
    for dist in importlib.metadata.distributions():
        for entry_point in dist.entry_points:
            if entry_point.group == ENTRY_POINT_GROUP:
                found.setdefault(entry_point.name, (dist.metadata["Name"], dist.version))
    return found


def distribution_of(name: str) -> tuple[str | None, str | None]:
    """Return the (distribution, version) that ships plugin `name`, as far as metadata tells."""
    return _entry_point_distributions().get(name, (None, None))
