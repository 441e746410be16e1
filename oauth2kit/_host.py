"""The plugin host: pluggy's plugin manager, the registries, and what happened to each plugin."""

from __future__ import annotations

import logging
import os
import threading
import types
from typing import TYPE_CHECKING, Any, Literal, NamedTuple, final

import pluggy

from oauth2kit import hookspecs
from oauth2kit._discovery import discover, distribution_of
from oauth2kit._exceptions import InvalidPlugin, PluginError, UnknownGrantType
from oauth2kit._params import check_type
from oauth2kit._registry import Registry, block_patterns, is_blocked, names_from_text

if TYPE_CHECKING:
    from collections.abc import Iterable

    from oauth2kit._tokens import BearerToken
    from oauth2kit.hookspecs import ClientAuthFactory, DPoPKeyGenerator, GrantType

__all__ = [
    "DISABLE_ENV_VAR",
    "PluginHost",
    "PluginInfo",
    "default_host",
    "exporting_host",
    "set_default_host",
]

logger = logging.getLogger("oauth2kit.plugins")

DISABLE_ENV_VAR = "OAUTH2KIT_DISABLE_PLUGINS"
"""Plugin names (or globs such as ``vendor.*``), separated by commas or spaces, blocked in
every host."""

PluginStatus = Literal["loaded", "blocked", "failed"]

_REGISTRATION_HOOKS = {
    "oauth2kit_register_grant_types": "grant_types",
    "oauth2kit_register_client_auth_methods": "client_auth_methods",
    "oauth2kit_register_token_types": "token_types",
    "oauth2kit_register_dpop_key_generators": "dpop_key_generators",
    "oauth2kit_register_extensions": "extensions",
}


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

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dict of this record."""
        data = self._asdict()
        data["hooks"] = list(self.hooks)
        data["provides"] = dict(self.provides or {})
        return data


# What pluggy accepts as a hook implementation in a module (its documented rule).
_HOOKABLE = (types.FunctionType, types.MethodType, classmethod, staticmethod)


class _PluginManager(pluggy.PluginManager):
    """pluggy's manager, with a cheap first look at module attributes.

    pluggy inspects every attribute of a plugin with `inspect.getattr_static`; a plugin
    module's imported names (modules, classes, constants) are most of them, and made that
    inspection most of the cost of the first client. None of them can be a hook
    implementation, so they are skipped here before pluggy looks.
    """

    def parse_hookimpl_opts(self, plugin: object, name: str) -> pluggy.HookimplOpts | None:
        if isinstance(plugin, types.ModuleType) and not isinstance(
            vars(plugin).get(name), _HOOKABLE
        ):
            return None
        return super().parse_hookimpl_opts(plugin, name)


def _kernel_names() -> frozenset[str]:
    """The names the package root defines itself, which no plugin may shadow."""
    import oauth2kit  # noqa: PLC0415 - the package root, imported by now

    own = {*vars(oauth2kit), *oauth2kit.__all__, *oauth2kit._LAZY_KERNEL}  # noqa: SLF001
    own |= oauth2kit._PUBLIC_SUBMODULES  # noqa: SLF001
    return frozenset(own) - frozenset(oauth2kit._PLUGIN_EXPORTS)  # noqa: SLF001


def _env_blocked() -> frozenset[str]:
    return frozenset(names_from_text(os.environ.get(DISABLE_ENV_VAR, "")))


@final
class PluginHost:
    """Loads plugins, validates them, fills the registries, and calls hooks.

    Most programs never build one: clients share the process-wide `default_host()`.

    Args:
        disable: plugin names (or shell-style globs) to block; merged with the names in the
            ``OAUTH2KIT_DISABLE_PLUGINS`` environment variable. Discovery does not import
            blocked plugins.
        load_entry_points: discover plugins from entry points and the built-in table. With
            False the host starts empty and takes plugins only from `register`.
    """

    def __init__(
        self, *, disable: str | Iterable[str] = (), load_entry_points: bool = True
    ) -> None:
        self.disabled: frozenset[str] = block_patterns(disable, "disable") | _env_blocked()
        self._lock = threading.RLock()
        self._pm = _PluginManager(hookspecs.PROJECT_NAME)
        self._pm.add_hookspecs(hookspecs)
        self.grant_types: Registry[GrantType] = Registry("grant_types", missing=UnknownGrantType)
        self.client_auth_methods: Registry[ClientAuthFactory] = Registry("client_auth_methods")
        self.token_types: Registry[type[BearerToken]] = Registry("token_types", casefold=True)
        self.dpop_key_generators: Registry[DPoPKeyGenerator] = Registry("dpop_key_generators")
        self.extensions: Registry[object] = Registry("extensions", reserved=_kernel_names())
        self._records: dict[str, PluginInfo] = {}
        self._hook_views: dict[frozenset[str], _HookView] = {}
        if load_entry_points:
            self._load_entry_points()

    def _load_entry_points(self) -> None:
        previous = getattr(_local, "discovering", None)
        _local.discovering = self
        try:
            with self._lock:
                # discover() is a generator: the built-ins are registered before it imports
                # the third-party plugins, which may then use what the built-ins provide.
                for found in discover(self.disabled):
                    if found.blocked:
                        record = PluginInfo(found.name, found.target, "blocked")
                        self._records[found.name] = record
                    elif found.plugin is None:
                        self._fail(found.name, found.target, found.error or "not importable")
                    else:
                        self._add(found.plugin, found.name, found.target)
        finally:
            _local.discovering = previous

    # --- registering ----------------------------------------------------------------------

    def register(self, plugin: object, name: str | None = None) -> PluginInfo:
        """Register `plugin` at run time; its registration hooks run at once.

        Args:
            plugin: a module, class or instance with `hookimpl`-marked functions.
            name: the plugin's name; defaults to the module or class name.

        Returns:
            The plugin's record; its status is ``failed`` (with the error) if the plugin did
            not validate, or ``blocked`` if its name is disabled in this host.
        """
        if plugin is None:
            msg = "register() needs a plugin: a module, class or instance, not None"
            raise PluginError(msg)
        if name is None:
            name = getattr(plugin, "__name__", None) or type(plugin).__name__
        if not isinstance(name, str) or not name:
            msg = f"a plugin name must be a non-empty str, got {name!r}"
            raise PluginError(msg)
        module = getattr(plugin, "__module__", None) or getattr(plugin, "__name__", name)
        with self._lock:
            if name in self._records and self._records[name].status == "loaded":
                msg = f"a plugin named {name!r} is already registered"
                raise PluginError(msg)
            if is_blocked(name, self.disabled):
                self._records[name] = PluginInfo(name, str(module), "blocked")
            else:
                self._add(plugin, name, str(module))
            self._hook_views.clear()
            return self._records[name]

    def unregister(self, name: str) -> None:
        """Remove plugin `name`, its hook implementations and its registry entries.

        Raises:
            PluginError: if no plugin of that name was registered or recorded.
        """
        with self._lock:
            if not isinstance(name, str) or name not in self._records:
                msg = f"no plugin named {name!r} is registered"
                raise PluginError(msg)
            self._remove(name)
            self._records.pop(name, None)
            self._hook_views.clear()

    def _remove(self, name: str) -> None:
        """Take plugin `name` out of pluggy and out of every registry."""
        plugin = self._pm.get_plugin(name)
        if plugin is not None:
            self._pm.unregister(plugin, name=name)
        for registry in self._registries():
            registry.remove_plugin(name)

    def _add(self, plugin: object, name: str, module: str) -> None:
        try:
            hash(plugin)  # pluggy keeps plugins in sets (for per-client blocking)
            self._pm.register(plugin, name=name)
        except Exception as exc:  # noqa: BLE001 - pluggy raises ValueError or PluginValidationError
            self._fail(name, module, f"{type(exc).__name__}: {exc}")
            return
        try:
            self._validate(plugin, name)
            self._run_registration_hooks(plugin, name)
        except Exception as exc:  # noqa: BLE001 - a broken plugin must not break the others
            self._remove(name)
            self._fail(name, module, f"{type(exc).__name__}: {exc}")
            return
        self._records[name] = PluginInfo(name, module, "loaded")

    def _validate(self, plugin: object, name: str) -> None:
        """Refuse hook implementations for hooks that do not exist (a typo, an old plugin)."""
        unknown = [
            caller.name
            for caller in self._pm.get_hookcallers(plugin) or []
            if not caller.has_spec()
        ]
        if unknown:
            msg = f"plugin {name!r} implements unknown hooks: {', '.join(sorted(unknown))}"
            raise InvalidPlugin(msg)

    def _run_registration_hooks(self, plugin: object, name: str) -> None:
        # Called per plugin rather than through pluggy's historic calls, so that each
        # registry knows which plugin added each entry (for listings and per-client blocking).
        for hook_name, registry_name in _REGISTRATION_HOOKS.items():
            registry: Registry[Any] = getattr(self, registry_name)
            for impl in getattr(self._pm.hook, hook_name).get_hookimpls():
                if impl.plugin is plugin:
                    impl.function(registry=registry.bind(name))

    def _fail(self, name: str, module: str, error: str) -> None:
        logger.warning("oauth2kit plugin %r was set aside: %s", name, error)
        self._records[name] = PluginInfo(name, module, "failed", error=error)

    def _registries(self) -> tuple[Registry[Any], ...]:
        return tuple(getattr(self, attr) for attr in _REGISTRATION_HOOKS.values())

    # --- using --------------------------------------------------------------------------

    def hooks(self, blocked: frozenset[str] = frozenset()) -> Any:
        """Pluggy's hook relay without the plugins named in `blocked` (per-client blocking).

        Call hooks as ``host.hooks().oauth2kit_<name>(**kwargs)``.
        """
        if not blocked:
            return self._pm.hook
        view = self._hook_views.get(blocked)
        if view is None:
            with self._lock:
                view = self._hook_views[blocked] = _HookView(self._pm, blocked)
        return view

    def is_loaded(self, name: str) -> bool:
        """Tell whether plugin `name` is registered and working."""
        return self.status(name) == "loaded"

    def status(self, name: str) -> PluginStatus | None:
        """Plugin `name`'s status (``loaded``, ``blocked``, ``failed``), or None if unknown."""
        record = self._records.get(name) if isinstance(name, str) else None
        return None if record is None else record.status

    def plugins(self) -> list[PluginInfo]:
        """Every plugin the host has seen, with its status, hooks and registry entries."""
        with self._lock:
            records = list(self._records.values())
            result = []
            for record in records:
                distribution, version = distribution_of(record.name)
                plugin = self._pm.get_plugin(record.name)
                hooks = (
                    tuple(sorted(c.name for c in self._pm.get_hookcallers(plugin) or []))
                    if plugin is not None
                    else ()
                )
                provides = {
                    registry.kind: names
                    for registry in self._registries()
                    if (names := registry.provided_by(record.name))
                }
                result.append(
                    record._replace(
                        distribution=distribution,
                        version=version,
                        hooks=hooks,
                        provides=provides,
                    )
                )
        return sorted(result, key=lambda info: info.name)


@final
class _HookView:
    """pluggy hook callers without some plugins, built on first use of each hook."""

    def __init__(self, pm: pluggy.PluginManager, blocked: frozenset[str]) -> None:
        self._pm = pm
        self._blocked = blocked
        self._callers: dict[str, Any] = {}

    def __getattr__(self, name: str) -> Any:
        caller = self._callers.get(name)
        if caller is None:
            removed = [
                plugin
                for plugin_name, plugin in self._pm.list_name_plugin()
                if is_blocked(plugin_name, self._blocked)
            ]
            caller = self._callers[name] = self._pm.subset_hook_caller(name, removed)
        return caller


# Per thread: the host whose discovery is importing plugins right now, if any.
_local = threading.local()


def exporting_host() -> PluginHost:
    """The host in which ``oauth2kit.<name>`` looks up the names that plugins provide.

    The default host, except while this thread discovers plugins for a host: a plugin
    module imported then (``from oauth2kit import OAuth2ClientCredentialsAuth``, to
    subclass it) gets the name from that host, and never starts a second discovery.
    """
    discovering: PluginHost | None = getattr(_local, "discovering", None)
    return discovering if discovering is not None else default_host()


_default_host: PluginHost | None = None
# Reentrant: a plugin imported during discovery may ask for the host (see default_host).
_default_lock = threading.RLock()
_discovering: PluginHost | None = None


def default_host() -> PluginHost:
    """The process-wide plugin host, created (and plugins discovered) on first use."""
    global _default_host, _discovering  # noqa: PLW0603 - the one process-wide host
    host = _default_host
    if host is not None:
        return host
    with _default_lock:
        if _default_host is not None:
            return _default_host
        if _discovering is not None:
            # Only the discovering thread gets here (others wait for the lock): a plugin it
            # is importing wants a name that a plugin registered before it provides.
            return _discovering
        host = _discovering = PluginHost(load_entry_points=False)
        try:
            host._load_entry_points()  # noqa: SLF001 - this module's own class
        finally:
            _discovering = None
        _default_host = host
        return host


def set_default_host(host: PluginHost | None) -> None:
    """Replace the process-wide host (None: rediscover on next use). Mostly for tests."""
    global _default_host  # noqa: PLW0603 - the one process-wide host
    check_type("the default host", host, PluginHost)
    with _default_lock:
        _default_host = host
