"""Finding plugins: the one module that talks to stevedore and imports plugin modules.

The kernel never imports a plugin by itself; everything goes through `discover`, which the
plugin host calls the first time a client needs plugins.
"""

from __future__ import annotations

import functools
import importlib
import importlib.metadata
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from oauth2kit._builtins import BUILTIN_PLUGINS, DISTRIBUTION
from oauth2kit._registry import is_blocked

if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = ["ENTRY_POINT_GROUP", "FoundPlugin", "discover", "distribution_of"]

ENTRY_POINT_GROUP = "oauth2kit.plugins"

logger = logging.getLogger("oauth2kit.plugins")


class FoundPlugin(NamedTuple):
    """A plugin as discovery found it: loaded, blocked (not imported), or failed to import."""

    name: str
    target: str
    plugin: object | None = None
    blocked: bool = False
    error: str | None = None


def discover(blocked: frozenset[str]) -> Iterator[FoundPlugin]:
    """Import the plugins of the ``oauth2kit.plugins`` entry-point group that are not blocked.

    A generator, in two rounds: the built-ins first, then the others by name, imported only
    once the caller has registered the built-ins. So a third-party plugin may import, at
    its own import time, a name that a built-in provides (to subclass a built-in auth
    handler, say), and may replace built-in entries. A built-in whose entry point is not
    installed (a bare source checkout) is imported from the table in `oauth2kit._builtins`.
    """
    import stevedore  # noqa: PLC0415 - imported only when plugins are first needed

    # A manager that loads nothing lists the group; the first target listed for a name wins.
    lister: stevedore.NamedExtensionManager[object] = stevedore.NamedExtensionManager(
        ENTRY_POINT_GROUP, names=[], on_missing_entrypoints_callback=None
    )
    targets: dict[str, str] = {}
    for entry_point in lister.list_entry_points():
        first = targets.setdefault(entry_point.name, entry_point.value)
        if first != entry_point.value:
            logger.warning(
                "two installed distributions provide oauth2kit plugin %r: %s is used, %s is not",
                entry_point.name, first, entry_point.value,
            )  # fmt: skip
    yield from _load(
        stevedore, [name for name in BUILTIN_PLUGINS if name in targets], targets, blocked
    )
    for name, module in BUILTIN_PLUGINS.items():
        if name not in targets:
            yield _load_builtin_from_table(name, module, blocked)
    others = sorted(name for name in targets if name not in BUILTIN_PLUGINS)
    yield from _load(stevedore, others, targets, blocked)


def _load(
    stevedore: Any, names: list[str], targets: dict[str, str], blocked: frozenset[str]
) -> Iterator[FoundPlugin]:
    """Import the entry points `names` with stevedore; blocked ones are only recorded."""
    failures: dict[str, FoundPlugin] = {}

    def record_failure(_manager: object, entry_point: object, exc: BaseException) -> None:
        name = getattr(entry_point, "name", "?")
        target = getattr(entry_point, "value", "?")
        if target == targets.get(name):
            failures[name] = FoundPlugin(name, target, error=f"{type(exc).__name__}: {exc}")

    allowed = [name for name in names if not is_blocked(name, blocked)]
    loaded: dict[str, FoundPlugin] = {}
    if allowed:
        manager = stevedore.NamedExtensionManager(
            ENTRY_POINT_GROUP,
            names=allowed,
            on_load_failure_callback=record_failure,
            on_missing_entrypoints_callback=None,
        )
        for extension in manager:
            # With two distributions providing one name, stevedore imports both: keep the
            # one that was listed first, as the warning above says.
            if extension.entry_point_target == targets[extension.name]:
                loaded.setdefault(
                    extension.name,
                    FoundPlugin(extension.name, extension.entry_point_target, extension.plugin),
                )
    for name in names:
        if name in allowed:
            yield (
                failures.get(name)
                or loaded.get(name)
                or FoundPlugin(name, targets[name], error="not importable")
            )
        else:
            yield FoundPlugin(name, targets[name], blocked=True)


def _load_builtin_from_table(name: str, module: str, blocked: frozenset[str]) -> FoundPlugin:
    if is_blocked(name, blocked):
        return FoundPlugin(name, module, blocked=True)
    try:
        return FoundPlugin(name, module, plugin=_import_builtin(module))
    except Exception as exc:  # noqa: BLE001 - a broken plugin must not break the others
        return FoundPlugin(name, module, error=f"{type(exc).__name__}: {exc}")


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
