"""Finding plugins: the one module that talks to stevedore and imports plugin modules.

The kernel never imports a plugin by itself; everything goes through `discover`, which the
plugin host calls the first time a client needs plugins.
"""

from __future__ import annotations

import functools
import importlib
import importlib.metadata
import sys
from pathlib import Path
from typing import NamedTuple

from oauth2kit._builtins import BUILTIN_PLUGINS, DISTRIBUTION
from oauth2kit._registry import is_blocked

__all__ = ["ENTRY_POINT_GROUP", "FoundPlugin", "discover", "distribution_of"]

ENTRY_POINT_GROUP = "oauth2kit.plugins"


class FoundPlugin(NamedTuple):
    """A plugin as discovery found it: loaded, blocked (not imported), or failed to import."""

    name: str
    target: str
    plugin: object | None = None
    blocked: bool = False
    error: str | None = None


def discover(blocked: frozenset[str]) -> list[FoundPlugin]:
    """Import every plugin of the ``oauth2kit.plugins`` entry-point group that is not blocked.

    Built-ins come first (so that third-party plugins can replace their entries), then the
    others by name. A built-in whose entry point is not installed (a bare source checkout)
    is imported from the table in `oauth2kit._builtins`.
    """
    import stevedore  # noqa: PLC0415 - imported only when plugins are first needed

    failures: dict[str, FoundPlugin] = {}

    def record_failure(_manager: object, entry_point: object, exc: BaseException) -> None:
        name = getattr(entry_point, "name", "?")
        target = getattr(entry_point, "value", "?")
        failures[name] = FoundPlugin(name, target, error=f"{type(exc).__name__}: {exc}")

    # A manager that loads nothing lists the group; a second one imports the allowed names.
    lister: stevedore.NamedExtensionManager[object] = stevedore.NamedExtensionManager(
        ENTRY_POINT_GROUP, names=[], on_missing_entrypoints_callback=None
    )
    found: dict[str, FoundPlugin] = {}
    allowed: list[str] = []
    for entry_point in lister.list_entry_points():
        if entry_point.name in found or entry_point.name in allowed:
            continue  # the same distribution seen twice on sys.path
        if is_blocked(entry_point.name, blocked):
            found[entry_point.name] = FoundPlugin(entry_point.name, entry_point.value, blocked=True)
        else:
            allowed.append(entry_point.name)
    manager: stevedore.NamedExtensionManager[object] = stevedore.NamedExtensionManager(
        ENTRY_POINT_GROUP,
        names=allowed,
        on_load_failure_callback=record_failure,
        on_missing_entrypoints_callback=None,
    )
    for extension in manager:
        found[extension.name] = FoundPlugin(
            extension.name, extension.entry_point_target, plugin=extension.plugin
        )
    found.update(failures)

    for name, module in BUILTIN_PLUGINS.items():
        if name in found:
            continue
        if is_blocked(name, blocked):
            found[name] = FoundPlugin(name, module, blocked=True)
            continue
        try:
            found[name] = FoundPlugin(name, module, plugin=_import_builtin(module))
        except Exception as exc:  # noqa: BLE001 - a broken plugin must not break the others
            found[name] = FoundPlugin(name, module, error=f"{type(exc).__name__}: {exc}")

    return sorted(found.values(), key=lambda p: (p.name not in BUILTIN_PLUGINS, p.name))


def _import_builtin(module: str) -> object:
    """Import a built-in plugin module, from ``plugins/`` beside the kernel if need be."""
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        plugins_dir = Path(__file__).resolve().parent.parent / "plugins"
        if exc.name != module.partition(".")[0] or not plugins_dir.is_dir():
            raise
        sys.path.append(str(plugins_dir))
        return importlib.import_module(module)


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
    if name in (known := _entry_point_distributions()):
        return known[name]
    if name in BUILTIN_PLUGINS:
        return f"{DISTRIBUTION} (source checkout)", None
    return None, None
