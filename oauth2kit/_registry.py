"""Registries: the named things (grant types, auth methods, ...) that plugins provide."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING, Generic, TypeVar, final

from oauth2kit._exceptions import (
    InvalidParam,
    PluginDisabled,
    PluginError,
    PluginNotAvailable,
    RegistryConflict,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

__all__ = ["Registry", "RegistryEntry", "block_patterns", "is_blocked", "names_from_text"]

T = TypeVar("T")


def block_patterns(names: object, argument: str) -> frozenset[str]:
    """The plugin names or globs in `names` (one str is one name), checked to be strs."""
    if not isinstance(names, str | Iterable):
        msg = f"{argument} takes plugin names (or globs), got {type(names).__name__}"
        raise InvalidParam(msg)
    items = [names] if isinstance(names, str) else list(names)
    if not all(isinstance(name, str) and name for name in items):
        msg = f"{argument} takes plugin names (or globs) as non-empty strs, got {names!r}"
        raise InvalidParam(msg)
    return frozenset(items)


def names_from_text(text: str) -> list[str]:
    """Plugin names from text separated by commas or spaces (an environment variable)."""
    return [part for part in text.replace(" ", ",").split(",") if part]


def is_blocked(plugin: str, patterns: Iterable[str]) -> bool:
    """Tell whether plugin name `plugin` matches one of the block `patterns` (shell globs)."""
    return any(fnmatchcase(plugin, pattern) for pattern in patterns)


@final
class RegistryEntry(Generic[T]):
    """One registered value and the plugin that registered it."""

    __slots__ = ("name", "plugin", "value")

    def __init__(self, name: str, value: T, plugin: str) -> None:
        self.name = name
        self.value = value
        self.plugin = plugin

    def __repr__(self) -> str:
        return f"RegistryEntry({self.name!r}, plugin={self.plugin!r})"


@final
class Registry(Generic[T]):
    """A table of named entries that plugins fill from their registration hooks.

    Plugins receive a registry bound to their own name and call `add`; clients look entries
    up with `get`. An entry may be replaced by a later plugin that asks for it; the replaced
    entry stays underneath, so that blocking the newcomer (for one client, say) brings the
    original back.

    Args:
        kind: the registry's name, used in error messages (``grant_types``, ...).
        casefold: compare names case-insensitively (token types: ``bearer`` is ``Bearer``).
        missing: the exception class raised for a name nobody registered.
        reserved: names no plugin may register (the package root's own, for extensions);
            with any, names that start with ``_`` are refused too (never public).
    """

    __slots__ = ("_casefold", "_entries", "_lock", "_missing", "_plugin", "_reserved", "kind")

    def __init__(
        self,
        kind: str,
        *,
        casefold: bool = False,
        missing: Callable[[str, str], PluginNotAvailable] = PluginNotAvailable,
        reserved: frozenset[str] = frozenset(),
    ) -> None:
        self.kind = kind
        self._casefold = casefold
        self._missing = missing
        self._reserved = reserved
        # name -> entries, newest first. Lists are replaced, never mutated, so readers need
        # no lock; writers take it.
        self._entries: dict[str, list[RegistryEntry[T]]] = {}
        self._lock = threading.Lock()
        self._plugin: str | None = None

    def bind(self, plugin: str) -> Registry[T]:
        """Return a view of this registry whose `add` records `plugin` as the provider."""
        view: Registry[T] = Registry.__new__(Registry)
        view.kind = self.kind
        view._casefold = self._casefold
        view._missing = self._missing
        view._reserved = self._reserved
        view._entries = self._entries
        view._lock = self._lock
        view._plugin = plugin
        return view

    def _key(self, name: str) -> str:
        return name.casefold() if self._casefold else name

    def add(self, name: str, value: T, *, replace: bool = False) -> None:
        """Register `value` under `name`.

        Args:
            name: the entry's name, e.g. a grant name or a public class name.
            value: what is registered.
            replace: override an entry that another plugin registered.

        Raises:
            RegistryConflict: if `name` is taken and `replace` is false.
        """
        if self._plugin is None:
            msg = "add() is for plugins: call it on the registry passed to a registration hook"
            raise PluginError(msg)
        if name in self._reserved or (self._reserved and name.startswith("_")):
            msg = f"plugin {self._plugin!r} cannot register {self.kind} entry {name!r}:"
            msg += " oauth2kit defines that name itself"
            raise PluginError(msg)
        key = self._key(name)
        with self._lock:
            existing = self._entries.get(key, [])
            if existing and not replace:
                raise RegistryConflict(self.kind, name, existing[0].plugin, self._plugin)
            self._entries[key] = [RegistryEntry(name, value, self._plugin), *existing]

    def remove_plugin(self, plugin: str) -> None:
        """Drop every entry that `plugin` registered (it was unregistered or failed)."""
        with self._lock:
            for key, entries in list(self._entries.items()):
                kept = [entry for entry in entries if entry.plugin != plugin]
                if kept:
                    self._entries[key] = kept
                else:
                    del self._entries[key]

    def entry(self, name: str, *, blocked: frozenset[str] = frozenset()) -> RegistryEntry[T]:
        """Return the entry for `name`, skipping entries of `blocked` plugins.

        Raises:
            PluginDisabled: if every plugin providing `name` is blocked.
            PluginNotAvailable: (or the registry's `missing` class) if nobody provides it.
        """
        # Names come from users too (a grant name): a non-str is simply not registered.
        entries = self._entries.get(self._key(name), ()) if isinstance(name, str) else ()
        for entry in entries:
            if not is_blocked(entry.plugin, blocked):
                return entry
        if entries:
            raise PluginDisabled(self.kind, name, tuple(entry.plugin for entry in entries))
        raise self._missing(self.kind, name)

    def get(self, name: str, *, blocked: frozenset[str] = frozenset()) -> T:
        """Return the value registered as `name`; see `entry` for the errors."""
        return self.entry(name, blocked=blocked).value

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self._key(name) in self._entries

    def __iter__(self) -> Iterator[RegistryEntry[T]]:
        """Iterate over the active entry of each name."""
        for entries in list(self._entries.values()):
            yield entries[0]

    def provided_by(self, plugin: str) -> list[str]:
        """The names of the entries that `plugin` registered."""
        return sorted(
            entry.name
            for entries in list(self._entries.values())
            for entry in entries
            if entry.plugin == plugin
        )

    def __repr__(self) -> str:
        return f"Registry({self.kind!r}, {sorted(self._entries)})"
