"""The plugin host: pluggy's plugin manager, the registries, and what happened to each plugin."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Collection
from functools import partial
from typing import TYPE_CHECKING, Any, Literal, NamedTuple, TypeVar, final

import pluggy

import oauth2kit
from oauth2kit import hookspecs
from oauth2kit._discovery import EntryPoint, distribution_of, list_plugins
from oauth2kit._exceptions import (
    EndpointError,
    ExportNotAvailable,
    OAuth2KitError,
    PluginDisabled,
    PluginError,
    PluginNotAvailable,
    UnknownGrantType,
)
from oauth2kit._registry import Registry, block_patterns, is_blocked
from oauth2kit._tokens import BearerToken
from oauth2kit._values import Setting, check_type

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from oauth2kit.hookspecs import ClientAuthFactory, GrantType, Operation

__all__ = [
    "DISABLE_ENV_VAR", "LAZY_FAMILIES", "PluginHost", "PluginInfo", "default_host",
    "set_default_host",
]  # fmt: skip

logger = logging.getLogger("oauth2kit.plugins")

DISABLE_ENV_VAR = "OAUTH2KIT_DISABLE_PLUGINS"
"""Plugin names (or globs such as ``vendor.*``), separated by commas or spaces, blocked in
every host."""

LAZY_FAMILIES = frozenset({"auth", "dpop", "endpoint", "grant", "handler", "oidc", "token"})
"""Plugin families (the part of a plugin's name before the first dot) imported on first need.

Their plugins act only through the names they register (a grant, an auth method, a token
type, an endpoint's operations and settings, a public name), so the host imports them when
one of those names is first looked up: the plugin named ``<family>.<name>`` first, then the
family, then every plugin not imported yet. Plugins of other families (``parse.*``,
``vendor.*``, and any name of a third party's choosing) are imported at discovery, since
their hooks may act on every call.
"""

T = TypeVar("T")
PluginStatus = Literal["loaded", "blocked", "failed"]


def _is_grant(value: object) -> bool:
    methods = getattr(value, "build", None), getattr(value, "options", len), getattr(value, "finish", len)  # fmt: skip # noqa: E501
    return isinstance(getattr(value, "grant_type", None), str) and all(map(callable, methods))


def _described(exc: BaseException) -> str:
    """``Type: message`` for a log and a listing, even if the exception's str() raises."""
    try:
        return f"{type(exc).__name__}: {exc}"
    except Exception:  # noqa: BLE001 - a broken __str__ must not break the host
        return f"{type(exc).__name__} (its message could not be read)"


def _subclass_of(base: type) -> Callable[[object], bool]:
    return lambda value: isinstance(value, type) and issubclass(value, base)


# Registry (filled by hook `oauth2kit_register_<registry>`) -> the family whose plugins may
# provide a name it misses (None: any lazy family), and what a registered value must be.
_REGISTRIES: dict[str, tuple[str | None, str, Callable[[object], bool]]] = {
    "grant_types": ("grant", "a grant type (grant_type, build; options, finish)", _is_grant),
    "client_auth_methods": ("auth", "callable", callable),
    "token_types": ("token", "a BearerToken subclass", _subclass_of(BearerToken)),
    "settings": (None, "an oauth2kit.Setting", lambda value: isinstance(value, Setting)),
    "operations": (None, "callable", callable),
    "error_codes": (None, "an EndpointError subclass", _subclass_of(EndpointError)),
    "extensions": (None, "anything", lambda _: True),
}
_MISSING = {"grant_types": UnknownGrantType, "extensions": ExportNotAvailable}


class PluginInfo(NamedTuple):
    """What the host knows about one plugin, for listings and diagnostics.

    Attributes:
        name: the entry-point (or registration) name, e.g. ``grant.client_credentials``.
        module: where the plugin lives (``module`` or ``module:object``).
        status: ``loaded``, ``blocked`` (disabled, not imported) or ``failed``.
        distribution: the installed distribution that ships it, if known.
        version: that distribution's version.
        error: why it failed.
        hooks: the hooks it implements.
        provides: registry name -> the entry names it registered.
    """

    name: str
    module: str
    status: PluginStatus
    distribution: str | None = None
    version: str | None = None
    error: str | None = None
    hooks: tuple[str, ...] = ()
    provides: dict[str, list[str]] | None = None


@final
class PluginHost:
    """Loads plugins, validates them, fills the registries, and calls hooks.

    Most programs never build one: clients share the process-wide `default_host()`.

    Args:
        disable: plugin names (or shell-style globs) to block; merged with the names in the
            ``OAUTH2KIT_DISABLE_PLUGINS`` environment variable. Blocked plugins are never
            imported.
        load_entry_points: discover plugins from the ``oauth2kit.plugins`` entry points.
            With False the host starts empty and takes plugins only from `register`.

    Attributes:
        grant_types: the grant types, by the name `OAuth2Client.grant` takes.
        client_auth_methods: client authentication methods, by RFC 7591 name.
        token_types: access token classes, by ``token_type`` (case-insensitively).
        settings: the client settings that plugins own.
        operations: the client operations behind `OAuth2Client`'s typed methods.
        error_codes: exception classes by OAuth 2.0 ``error`` code.
        extensions: public names, importable from the package root.
    """

    grant_types: Registry[GrantType]
    client_auth_methods: Registry[ClientAuthFactory]
    token_types: Registry[type[BearerToken]]
    settings: Registry[Setting]
    operations: Registry[Operation]
    error_codes: Registry[type[EndpointError]]
    extensions: Registry[object]

    def __init__(
        self, *, disable: str | Iterable[str] = (), load_entry_points: bool = True
    ) -> None:
        env = os.environ.get(DISABLE_ENV_VAR, "").replace(",", " ").split()
        self.disabled = block_patterns(disable, "disable") | frozenset(env)
        self._lock = threading.RLock()
        self._pm = pluggy.PluginManager(hookspecs.PROJECT_NAME)
        self._pm.add_hookspecs(hookspecs)
        self._registering = threading.local()  # .name: the plugin this thread registers
        self._records: dict[str, PluginInfo] = {}
        self._pending: dict[str, EntryPoint] = {}  # lazy plugins not imported yet
        # Hook name -> (firstresult, a snapshot of its implementations), taken anew after
        # each (un)registration.
        self._callers: dict[str, tuple[bool, list[Any]]] = {}
        # No plugin may shadow a name that the package root defines itself.
        kernel_names = frozenset({*vars(oauth2kit), *oauth2kit.__all__})
        for kind, (family, what, fits) in _REGISTRIES.items():
            registry: Registry[Any] = Registry(
                kind,
                what,
                fits,
                self._provider,
                partial(self._load_for, kind, family),
                casefold=kind == "token_types",
                missing=_MISSING.get(kind, PluginNotAvailable),
                reserved=kernel_names if kind == "extensions" else frozenset(),
            )
            setattr(self, kind, registry)
            # Historic: pluggy replays this call to every plugin registered from now on.
            getattr(self._pm.hook, f"oauth2kit_register_{kind}").call_historic(
                kwargs={"registry": registry}
            )
        if load_entry_points:
            self._discover()

    def _discover(self) -> None:
        previous = getattr(_local, "discovering", None)
        _local.discovering = self
        try:
            with self._lock:
                eager = []
                for name, entry_point in list_plugins().items():
                    if is_blocked(name, self.disabled):
                        self._records[name] = PluginInfo(name, entry_point.value, "blocked")
                    elif name.partition(".")[0] in LAZY_FAMILIES:
                        self._pending[name] = entry_point
                    else:
                        eager.append(entry_point)
                for entry_point in eager:
                    self._load(entry_point)
        finally:
            _local.discovering = previous

    # --- registering ----------------------------------------------------------------------

    def _provider(self) -> str | None:
        """The plugin whose registration hooks this thread runs, if any (for `Registry.add`)."""
        return getattr(self._registering, "name", None)

    def _load(self, entry_point: EntryPoint) -> None:
        self._pending.pop(entry_point.name, None)
        try:
            # Each plugin is imported on its own (stevedore's loader lets an AssertionError
            # through and stops there), so that a broken one sets only itself aside.
            plugin = entry_point.load()
        except KeyboardInterrupt:
            raise
        except BaseException as exc:  # noqa: BLE001 - a broken plugin must not break the others
            self._fail(entry_point.name, entry_point.value, _described(exc))
            return
        self._add(plugin, entry_point.name, entry_point.value)

    def _load_for(self, kind: str, family: str | None, name: str, blocked: frozenset[str]) -> None:
        """Import pending plugins until one not `blocked` provides `name` in registry `kind`.

        The plugin an `oauth2kit_lazy_provider` hook names, and the plugin named
        ``<family>.<name>``, first; then the family, then every other one, except those an
        index (`oauth2kit_lazy_indexed`) knows not to provide it. The hooks of `blocked`
        plugins (those of the client looking) have no say.
        """
        prefix = f"{family}."
        hinted = self.call("oauth2kit_lazy_provider", blocked, registry=kind, name=name)
        exact = (hinted, f"{prefix}{name}", f"{prefix}{name.casefold()}")
        indexed = self.call("oauth2kit_lazy_indexed", blocked, registry=kind)
        indexes_ok = all(isinstance(names, Collection) for names in indexed)
        if not indexes_ok or not all(isinstance(n, str) for names in indexed for n in names):
            raise PluginError(f"an oauth2kit_lazy_indexed hook returned {indexed!r}")
        skipped = {plugin for names in indexed for plugin in names}
        registry = getattr(self, kind)
        searches: tuple[Callable[[str], bool], ...] = (
            lambda key: key in exact,
            lambda key: key.startswith(prefix) and key not in skipped,
            lambda key: key not in skipped,
        )
        for wanted in searches:
            with self._lock:
                for key in [key for key in self._pending if wanted(key)]:
                    if entry_point := self._pending.get(key):  # not loaded by another one's import
                        self._load(entry_point)
                if not self._pending or registry.available(name, blocked):
                    return

    def load_all(self) -> None:
        """Import every plugin not imported yet (listings do this)."""
        with self._lock:
            for entry_point in list(self._pending.values()):
                self._load(entry_point)

    def register(self, plugin: object, name: str | None = None) -> PluginInfo:
        """Register `plugin` at run time; its registration hooks run at once.

        Args:
            plugin: a module, class or instance with `hookimpl`-marked functions.
            name: the plugin's name; defaults to the module or class name.

        Returns:
            The plugin's record; its status is ``failed`` (with the error) if the plugin did
            not validate, or ``blocked`` if its name is disabled in this host.
        """
        try:
            name = getattr(plugin, "__name__", type(plugin).__name__) if name is None else name
        except Exception:  # noqa: BLE001 - an object whose attributes raise: it has no name
            name = None
        if plugin is None or not isinstance(name, str) or not name:
            msg = f"register() needs a plugin (not None) and a non-empty name, got {name!r}"
            raise PluginError(msg)
        module = str(getattr(plugin, "__module__", None) or name)
        with self._lock:
            if self.status(name) == "loaded" or name in self._pending:
                raise PluginError(f"a plugin named {name!r} is already registered")
            if is_blocked(name, self.disabled):
                self._records[name] = PluginInfo(name, module, "blocked")
            else:
                self._add(plugin, name, module)
            return self._records[name]

    def _add(self, plugin: object, name: str, module: str) -> None:
        # A registration hook that looks a name up may import a lazy plugin, whose
        # registration runs inside this one: the outer plugin's name comes back after it.
        outer, self._registering.name = self._provider(), name
        try:
            hash(plugin)  # the blocking views compare plugins
            # Registering replays the historic registration hooks for this plugin; then
            # check_pending refuses implementations of hooks that do not exist (a typo).
            self._pm.register(plugin, name=name)
            self._pm.check_pending()
        except BaseException as exc:  # a broken plugin (a sys.exit too) must not break the others
            self._commit(name, keep=False)
            self._remove(name)
            if isinstance(exc, KeyboardInterrupt):
                raise
            self._fail(name, module, _described(exc))
            return
        finally:
            self._registering.name = outer
        self._commit(name, keep=True)
        self._callers = {}
        self._records[name] = PluginInfo(name, module, "loaded")

    def _commit(self, name: str, *, keep: bool) -> None:
        for kind in _REGISTRIES:
            getattr(self, kind).commit(name, keep=keep)

    def unregister(self, name: str) -> None:
        """Remove plugin `name`, its hook implementations and its registry entries.

        A discovered plugin not imported yet is forgotten, and never imported.

        Raises:
            PluginError: if no plugin of that name was registered, recorded or discovered.
        """
        with self._lock:
            if not isinstance(name, str) or not (name in self._records or name in self._pending):
                raise PluginError(f"no plugin named {name!r} is registered")
            self._pending.pop(name, None)
            self._remove(name)
            self._records.pop(name, None)

    def _remove(self, name: str) -> None:
        """Take plugin `name` out of pluggy and out of every registry."""
        if self._pm.get_plugin(name) is not None:
            self._pm.unregister(name=name)
            self._callers = {}
        for kind in _REGISTRIES:
            getattr(self, kind).remove_plugin(name)

    def _fail(self, name: str, module: str, error: str) -> None:
        # A plugin's message goes to logs and terminals: its control characters escaped.
        shown = "".join(c if c.isprintable() or c == "\n" else repr(c)[1:-1] for c in error)
        logger.warning("oauth2kit plugin %r was set aside: %s", name, shown)
        self._records[name] = PluginInfo(name, module, "failed", error=error)

    # --- using --------------------------------------------------------------------------

    def call(self, hook_name: str, blocked: frozenset[str] = frozenset(), **kwargs: Any) -> Any:
        """Call hook `hook_name` without the plugins whose names match `blocked`.

        Whatever a hook lets escape that is not an oauth2kit error (a KeyError, say) becomes
        a `PluginError` naming the hook, with the original as its cause, so that callers
        can rely on catching `OAuth2KitError`.
        """
        firstresult, impls = self._callers.get(hook_name) or self._snapshot(hook_name)
        # One snapshot of the implementations, filtered by plugin name: a plugin registered
        # while this runs is either in it (and filtered) or not in it at all. (pluggy's
        # subset_hook_caller filters the live list by plugin object instead, which let a
        # blocked plugin registered meanwhile run; pluggy has no public call for a given
        # list of implementations, hence its _hookexec.) A hook without implementations,
        # the common case on the send path, costs nothing more.
        if blocked:
            impls = [impl for impl in impls if not is_blocked(impl.plugin_name, blocked)]
        if not impls:
            return None if firstresult else []
        try:
            return self._pm._hookexec(hook_name, impls, kwargs, firstresult)  # noqa: SLF001
        except OAuth2KitError:
            raise
        except Exception as exc:
            raise PluginError(f"a plugin's {hook_name} hook raised {type(exc).__name__}") from exc

    def _snapshot(self, hook_name: str) -> tuple[bool, list[Any]]:
        # Stored in the dict read first: a registration that replaced it meanwhile (after
        # pluggy had the newcomer) makes this snapshot go with the old dict, not stay.
        callers = self._callers
        hook = getattr(self._pm.hook, hook_name, None) if isinstance(hook_name, str) else None
        if hook is None or hook.spec is None:
            raise PluginError(f"there is no hook named {hook_name!r}")
        found = callers[hook_name] = (hook.spec.opts["firstresult"], hook.get_hookimpls())
        return found

    def lookup(self, registry: Registry[T], name: str, blocked: frozenset[str] = frozenset()) -> T:
        """`registry`'s entry `name`, its `blocked` plugins skipped (see `OAuth2Client.lookup`)."""
        try:
            return registry.get(name, blocked=blocked)
        except PluginDisabled:
            raise
        except PluginNotAvailable as exc:
            if unavailable := self.unavailable():
                exc.args = (f"{exc} (blocked or failed plugins: {', '.join(unavailable)})",)
            raise

    def is_loaded(self, name: str) -> bool:
        """Tell whether plugin `name` is registered and working."""
        return self.status(name) == "loaded"

    def status(self, name: str) -> PluginStatus | None:
        """Plugin `name`'s status (``loaded``, ``blocked``, ``failed``), or None if unknown."""
        record = self._records.get(name) if isinstance(name, str) else None
        return None if record is None else record.status

    def unavailable(self) -> list[str]:
        """The plugins that are blocked or failed, for messages about something missing."""
        with self._lock:  # not while another thread registers
            return sorted(name for name, info in self._records.items() if info.status != "loaded")

    def plugins(self) -> list[PluginInfo]:
        """Every plugin the host knows, with its status, hooks and registry entries.

        Plugins not imported yet are imported first, so that the listing is complete.
        """
        self.load_all()
        with self._lock:
            result = []
            for record in self._records.values():
                distribution, version = distribution_of(record.name)
                plugin = self._pm.get_plugin(record.name)
                callers = (self._pm.get_hookcallers(plugin) or []) if plugin is not None else []
                provides = {
                    kind: names
                    for kind in _REGISTRIES
                    if (names := getattr(self, kind).provided_by(record.name))
                }
                result.append(
                    record._replace(
                        distribution=distribution,
                        version=version,
                        hooks=tuple(sorted(caller.name for caller in callers)),
                        provides=provides,
                    )
                )
        return sorted(result, key=lambda info: info.name)


# Per thread: the host whose discovery is importing plugins right now, if any.
_local = threading.local()
_default_host: PluginHost | None = None
_default_lock = threading.Lock()


def default_host() -> PluginHost:
    """The process-wide plugin host, created (and plugins discovered) on first use.

    While this thread discovers plugins for a host, it is that host: a plugin module
    imported then (``from oauth2kit import OAuth2ClientCredentialsAuth``, to subclass it)
    gets the name from the host importing it, and never starts a second discovery.
    """
    global _default_host  # noqa: PLW0603 - the one process-wide host
    host = _default_host if _default_host is not None else getattr(_local, "discovering", None)
    if host is not None:
        return host
    with _default_lock:  # other threads wait for the one discovery
        if _default_host is None:
            _default_host = PluginHost()
        return _default_host


def existing_default_host() -> PluginHost | None:
    """The process-wide host if it exists already (None: no discovery has run)."""
    return _default_host


def set_default_host(host: PluginHost | None) -> None:
    """Replace the process-wide host (None: rediscover on next use). Mostly for tests."""
    global _default_host  # noqa: PLW0603 - the one process-wide host
    check_type("the default host", host, PluginHost)
    with _default_lock:
        _default_host = host
