"""oauth2kit: a pluggable OAuth 2.x and OpenID Connect client built on requests.

The kernel's public names are re-exported here from private modules. The exceptions and URI
helpers are imported with the package; the modules that need attrs or pluggy are imported
on first access of one of their names, so that ``import oauth2kit`` costs little more than
importing requests. Names that plugins provide (auth handlers, client authentication
classes, their exceptions, ...) resolve through the plugin host, which discovers plugins on
first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

import requests  # re-exported, as upstream: `from oauth2kit import requests`

from oauth2kit import _exceptions, _uri
from oauth2kit._exceptions import *  # noqa: F403 - the kernel's exceptions, whole
from oauth2kit._exceptions import ExportNotAvailable
from oauth2kit._uri import *  # noqa: F403 - the URI policy's helpers, whole

if TYPE_CHECKING:
    # Static view of the names resolved on first access, for type checkers and IDEs.
    from o2k_builtins.exports import *  # noqa: F403 - the built-ins' names, kept there

    from oauth2kit._client import *  # noqa: F403
    from oauth2kit._client_auth import *  # noqa: F403
    from oauth2kit._host import PluginHost as PluginHost
    from oauth2kit._host import PluginInfo as PluginInfo
    from oauth2kit._host import default_host as default_host
    from oauth2kit._host import set_default_host as set_default_host
    from oauth2kit._pipeline import *  # noqa: F403
    from oauth2kit._registry import Registry as Registry
    from oauth2kit._registry import RegistryEntry as RegistryEntry
    from oauth2kit._tokens import *  # noqa: F403
    from oauth2kit._values import *  # noqa: F403
    from oauth2kit.hookspecs import hookimpl as hookimpl

__version__ = "0.1.0"

# Kernel names whose modules cost an import of attrs or pluggy: module -> names.
_LAZY_KERNEL = {
    "oauth2kit._client": "OAuth2Client",
    "oauth2kit._client_auth": "BaseClientAuthenticationMethod",
    "oauth2kit._host": "PluginHost PluginInfo default_host set_default_host",
    "oauth2kit._pipeline": "MAX_ATTEMPTS MAX_RETRY_DELAY EndpointCall EndpointResponse",
    "oauth2kit._registry": "Registry RegistryEntry",
    "oauth2kit._tokens": "BearerToken TokenResponse parse_expires_in",
    "oauth2kit._values": "DEFAULT_TIMEOUT MAX_RESPONSE_BYTES Form Headers Setting Transport"
    " normalize_scope",
    "oauth2kit.hookspecs": "hookimpl",
}
_LAZY_NAMES = {name: module for module, names in _LAZY_KERNEL.items() for name in names.split()}


def __getattr__(name: str) -> Any:
    """Resolve kernel names that are costly to import, and names that plugins provide."""
    if name in ("hookspecs", "jose"):  # `from oauth2kit import jose` asks the package first
        return importlib.import_module(f"oauth2kit.{name}")
    if name in _LAZY_NAMES:
        value = getattr(importlib.import_module(_LAZY_NAMES[name]), name)
        globals()[name] = value
        return value
    if name.startswith("_"):
        # Tools probe dunder names (__wrapped__, __path__, ...): never a reason to discover.
        raise AttributeError(f"module 'oauth2kit' has no attribute {name!r}")
    from oauth2kit._host import default_host  # noqa: PLC0415 - plugins load on first use

    # Not cached: the current default host decides, so blocking a plugin takes effect.
    host = default_host()
    try:
        return host.extensions.get(name)
    except ExportNotAvailable as exc:
        unavailable = host.unavailable()
        hint = f" (blocked or failed plugins: {', '.join(unavailable)})" if unavailable else ""
        msg = f"module 'oauth2kit' has no attribute {name!r}: no loaded plugin exports it{hint}"
        raise ExportNotAvailable("extensions", name, msg) from exc


def __dir__() -> list[str]:
    """The kernel's public names; plugin-provided names once plugins are loaded."""
    from oauth2kit._host import existing_default_host  # noqa: PLC0415

    host = existing_default_host()
    exported = {entry.name for entry in host.extensions} if host else set()
    return sorted({*globals(), *__all__, *exported})


# The kernel's own names (plugins' names are not listed: they resolve on first access).
__all__ = ["requests"]
__all__ += _exceptions.__all__
__all__ += _uri.__all__
__all__ += list(_LAZY_NAMES)
