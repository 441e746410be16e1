"""Registries: the named things (grant types, auth methods, settings, ...) that plugins provide."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from fnmatch import fnmatchcase
from typing import Any, Generic, NamedTuple, TypeVar

import attrs

from oauth2kit._exceptions import (
    InvalidParam,
    PluginDisabled,
    PluginError,
    PluginNotAvailable,
    RegistryConflict,
    shown,
)

__all__ = ["Registry", "RegistryEntry", "block_patterns", "is_blocked"]

T = TypeVar("T")


def block_patterns(names: object, argument: str) -> frozenset[str]:
    """The plugin names or globs in `names` (one str is one name), checked to be strs."""
    # Read once, into a list: a generator checked first would be empty when kept.
    items: list[Any] = (
        [names] if isinstance(names, str) or not isinstance(names, Iterable) else list(names)
    )
    if not all(isinstance(n, str) and n for n in items):
        msg = f"{argument} takes plugin names (or globs) as non-empty strs, got {shown(names)}"
        raise InvalidParam(msg)
    return frozenset(items)


def is_blocked(plugin: str, patterns: Iterable[str]) -> bool:
    """Tell whether plugin name `plugin` is one of the block `patterns`, or matches one as a glob.

    A name is blocked by itself even if it has glob characters (``vendor[1]``).
    """
    return any(plugin == pattern or fnmatchcase(plugin, pattern) for pattern in patterns)


class RegistryEntry(NamedTuple, Generic[T]):
    """One registered value, the plugin that registered it, and whether it replaced another."""

    name: str
    value: T
    plugin: str
    overrides: bool = False


@attrs.define(eq=False)
class Registry(Generic[T]):
    """A table of named entries that plugins fill from their registration hooks.

    Plugins call `add` on the registry their registration hook receives; clients look
    entries up with `get`. An entry may be replaced by a later plugin that asks for it; the
    replaced entry stays underneath, so that blocking the newcomer (for one client, say)
    brings the original back.

    Attributes:
        kind: the registry's name, used in messages (``grant_types``, ...).
        what: what a value must be, for the message that refuses one.
        fits: tells whether a value is one; a value that does not fit is refused when it
            is registered, not when it is first used.
        provider: the name of the plugin whose registration is running (None outside one).
        load: loads the plugins that may provide a missing name.
        casefold: compare names case-insensitively (token types: ``bearer`` is ``Bearer``).
        missing: the exception class raised for a name nobody registered.
        reserved: names no plugin may register (the package root's own, for extensions);
            with any, names that start with ``_`` are refused too (never public).
    """

    kind: str
    what: str
    fits: Callable[[object], bool]
    provider: Callable[[], str | None]
    load: Callable[[str, frozenset[str]], object] = lambda _, __: None
    casefold: bool = False
    missing: Callable[[str, str], PluginNotAvailable] = PluginNotAvailable
    reserved: frozenset[str] = frozenset()
    # name -> entries, newest first. Lists are replaced, never changed, so readers need no
    # lock; writers take it. A registration's entries wait in _staged until the host has
    # registered the plugin whole (its hooks too), so that no one uses half a plugin.
    _entries: dict[str, list[RegistryEntry[T]]] = attrs.field(factory=dict, init=False)
    _staged: list[tuple[str, RegistryEntry[T]]] = attrs.field(factory=list, init=False)
    _lock: threading.Lock = attrs.field(factory=threading.Lock, init=False)

    def _key(self, name: str) -> str:
        return name.casefold() if self.casefold else name

    def add(self, name: str, value: T, *, replace: bool = False) -> None:
        """Register `value` under `name`; only from a registration hook, while it runs.

        Args:
            name: the entry's name, e.g. a grant name or a public class name.
            value: what is registered.
            replace: override an entry that another plugin registered.

        Raises:
            RegistryConflict: if `name` is taken and `replace` is false.
            PluginError: if `value` is not what this registry holds, or outside a hook.
        """
        plugin = self.provider()
        if plugin is None:
            msg = "add() is for plugins: call it from a registration hook, while it runs"
            raise PluginError(msg)
        if not isinstance(name, str) or not name or name in self.reserved:
            msg = f"plugin {plugin!r} cannot register {self.kind} entry {name!r}"
            reserved = isinstance(name, str) and name in self.reserved
            why = ": oauth2kit defines that name itself" if reserved else ""
            raise PluginError(f"{msg}{why or ': names are non-empty strs'}")
        if self.reserved and name.startswith("_"):
            msg = f"plugin {plugin!r} cannot register {self.kind} entry {name!r}: not public"
            raise PluginError(msg)
        if not self.fits(value):
            msg = f"plugin {plugin!r} registered {self.kind} entry {name!r} as {value!r}"
            raise PluginError(f"{msg}, which is not {self.what}")
        key = self._key(name)
        with self._lock:
            existing = self._entries.get(key, [])
            # An original that arrives after the plugins replacing it (imported on first
            # need) is no clash: it goes underneath them.
            clash = existing and not replace and not all(e.overrides for e in existing)
            # Staged by this registration itself: another one's (a replacer whose hook
            # imported this lazy original) is no clash, and commits on its own.
            if clash or any(k == key and e.plugin == plugin for k, e in self._staged):
                first = existing[0].plugin if existing else plugin
                raise RegistryConflict(self.kind, name, first, plugin)
            self._staged.append((key, RegistryEntry(name, value, plugin, replace)))

    def commit(self, plugin: str, *, keep: bool) -> None:
        """Publish the entries `plugin`'s registration staged, or drop them (it failed).

        Only its own: a registration hook that looks a name up may import a lazy plugin,
        whose registration runs and ends inside this one.
        """
        with self._lock:
            for key, entry in self._staged if keep else ():
                if entry.plugin == plugin:
                    existing = self._entries.get(key, [])
                    replacing = entry.overrides or not existing
                    self._entries[key] = [entry, *existing] if replacing else [*existing, entry]
            self._staged = [staged for staged in self._staged if staged[1].plugin != plugin]

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

        A name nobody registered yet makes the host import the plugins that may provide it
        (some families are imported on first need), then look again.

        Raises:
            PluginDisabled: if every plugin providing `name` is blocked.
            PluginNotAvailable: (or the registry's `missing` class) if nobody provides it.
        """
        if not isinstance(name, str):  # names come from users too: a non-str is not there
            raise self.missing(self.kind, repr(name))
        entries = self._entries.get(self._key(name), [])
        if entries and not blocked:
            return entries[0]  # the common case, decided at once
        for attempt in range(2):
            if (found := self._unblocked(name, blocked)) is not None:
                return found
            if attempt == 0:  # none, or only blocked ones: a plugin not imported yet may have it
                self.load(name, blocked)  # returns once any concurrent load ended: look again
        if entries := self._entries.get(self._key(name), []):
            raise PluginDisabled(self.kind, name, tuple(entry.plugin for entry in entries))
        raise self.missing(self.kind, name)

    def available(self, name: str, blocked: frozenset[str] = frozenset()) -> bool:
        """Tell whether a plugin not `blocked` registered `name` (no plugin is imported)."""
        return self._unblocked(name, blocked) is not None

    def _unblocked(self, name: str, blocked: frozenset[str]) -> RegistryEntry[T] | None:
        """The active entry for `name` of a plugin that is not `blocked`, if any."""
        entries = self._entries.get(self._key(name), [])
        return next((entry for entry in entries if not is_blocked(entry.plugin, blocked)), None)

    def get(self, name: str, *, blocked: frozenset[str] = frozenset()) -> T:
        """Return the value registered as `name`; see `entry` for the errors."""
        return self.entry(name, blocked=blocked).value

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self._key(name) in self._entries

    def __iter__(self) -> Iterator[RegistryEntry[T]]:
        """Iterate over the active entry of each name."""
        return iter([entries[0] for entries in list(self._entries.values())])

    def provided_by(self, plugin: str) -> list[str]:
        """The names of the entries that `plugin` registered."""
        entries = [entry for group in list(self._entries.values()) for entry in group]
        return sorted(entry.name for entry in entries if entry.plugin == plugin)
