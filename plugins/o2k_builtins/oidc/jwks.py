"""The authorization server's keys and the client's own: entry point ``oidc.jwks``.

Settings: ``jwks_uri`` (an endpoint), ``authorization_server_jwks`` (static keys, parsed
once) and ``jwks_cache`` (a `JwksCache` to share between clients). Operations:

- ``authorization_server_keys(kid=None)``: the server's verification keys, a `jose.KeySet`.
  Static keys when given (and they hold `kid`), else the `JwksCache` entry of ``jwks_uri``:
  fetched on first use, kept for its maximum age, fetched again once for a `kid` it lacks
  (at most once per cooldown). Every plugin that verifies a server-signed JWT calls it.
- ``update_authorization_server_public_keys()``: fetch ``jwks_uri`` now (the seed's method).
- ``client_jwks``: the client's public keys, of its ``private_key_jwt`` key and of its
  ``id_token_decryption_key``, to publish at the client's own ``jwks_uri``.

Each client has its own cache unless given one: pass one ``jwks_cache=JwksCache()`` to the
clients of the same server when an application builds clients often (per request, say), and
`JwksCache.export` / `JwksCache.import_` it to keep the keys across restarts. A cache is not
shared implicitly by URL, so a client with weaker transport settings (``verify=False``) can
never plant keys that another client trusts.
"""

from __future__ import annotations

import copy
import re
import threading
import time
import weakref
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Final, NamedTuple, final

from o2k_builtins.oidc.errors import InvalidJwks
from oauth2kit import InvalidParam, MissingEndpointUri, OAuth2KitError, Setting, hookimpl, jose

if TYPE_CHECKING:
    from oauth2kit import EndpointCall, EndpointResponse, OAuth2Client, Registry

ENDPOINT: Final = "jwks_uri"
EXPORT_FORMAT: Final = "oauth2kit.jwks-cache/1"
MAX_CACHE_AGE: Final = 24 * 3600.0  # the longest a server's Cache-Control is believed
_MAX_AGE = re.compile(r"(?:^|,)\s*(?:s-)?max-age\s*=\s*\"?(\d{1,10})\"?\s*(?:,|$)", re.IGNORECASE)
_NO_CACHE = re.compile(r"(?:^|,)\s*(?:no-store|no-cache)\s*(?:,|$)", re.IGNORECASE)


class _Entry(NamedTuple):
    keys: jose.KeySet
    jwks: dict[str, Any]  # as fetched: what `export` writes
    fetched_at: float  # wall clock, so that an export stays meaningful after a restart
    max_age: float
    kids: frozenset[str | None]  # for the lock-free fast path of `JwksCache.keys`

    @classmethod
    def of(
        cls, keys: jose.KeySet, jwks: dict[str, Any], fetched_at: float, max_age: float
    ) -> _Entry:
        return cls(keys, jwks, fetched_at, max_age, frozenset(key.kid for key in keys))


class _Fetched(NamedTuple):
    """What this plugin's parser makes of a ``jwks_uri`` answer."""

    keys: jose.KeySet
    jwks: dict[str, Any]
    max_age: float | None  # from Cache-Control, None when it says nothing


def _number(name: str, value: object, minimum: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not value >= minimum:
        raise InvalidParam(f"{name} must be a number >= {minimum}, got {value!r}")
    return float(value)


def _parsed_jwks(jwks: object) -> jose.KeySet:
    """The usable keys of a fetched JWK Set (unusable ones left out, RFC 7517 section 5)."""
    if not isinstance(jwks, Mapping):
        raise jose.InvalidKey("a JWK Set is a JSON object")
    return jose.KeySet.from_jwks(jwks, strict=False)


@final
class JwksCache:
    """Fetched JWK Sets, by ``jwks_uri``: thread-safe, exportable, shareable between clients.

    An entry is fresh for the server's ``Cache-Control: max-age`` (clamped between
    `refetch_cooldown` and a day), or `max_age` when the server says nothing. A token whose
    ``kid`` the entry lacks makes one new fetch, unless the entry is younger than
    `refetch_cooldown`: unknown kids cannot make a client hammer the server. Concurrent
    callers that need a fetch wait for one fetch. A fetch that failed (the server down or
    answering an error) is not tried again for `failure_cooldown` seconds: until then,
    whoever needs the keys gets that failure again, so that a failing server is not sent
    one request per token to validate.

    Args:
        max_age: seconds an entry is fresh when the server sends no ``max-age``.
        refetch_cooldown: the least seconds between two fetches of one URI.
        failure_cooldown: the least seconds between a failed fetch and the next one.
        clock: the wall clock (``time.time``); tests pass their own.
    """

    def __init__(
        self,
        *,
        max_age: float = 3600,
        refetch_cooldown: float = 60,
        failure_cooldown: float = 5,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.max_age = _number("max_age", max_age, 0)
        self.refetch_cooldown = _number("refetch_cooldown", refetch_cooldown, 0)
        self.failure_cooldown = _number("failure_cooldown", failure_cooldown, 0)
        if not callable(clock):
            raise InvalidParam("clock must be callable")
        self._clock = clock
        self._entries: dict[str, _Entry] = {}
        self._failures: dict[str, tuple[float, OAuth2KitError]] = {}  # uri -> (when, what)
        self._locks: dict[str, threading.Lock] = {}
        self._lock = threading.Lock()
        self.fetches = 0
        """How many fetches this cache made (for metrics and tests)."""

    def keys(
        self, client: OAuth2Client, kid: str | None = None, *, requests_kwargs: Any = None
    ) -> jose.KeySet:
        """The keys at `client`'s ``jwks_uri``; fetched when missing, stale, or lacking `kid`."""
        uri = client.endpoint_uri(ENDPOINT)
        entry = self._entries.get(uri)
        if entry is not None and self._serves(entry, kid, self._clock()):
            return entry.keys
        with self._fetch_lock(uri):
            entry = self._entries.get(uri)  # another thread may have fetched meanwhile
            if entry is None or self._wants_fetch(entry, kid, self._clock()):
                self._raise_recent_failure(uri)
                entry = self._fetch(client, uri, requests_kwargs)
            return entry.keys

    def refresh(self, client: OAuth2Client, *, requests_kwargs: Any = None) -> jose.KeySet:
        """Fetch `client`'s ``jwks_uri`` now, whatever the cooldown, and keep the answer."""
        uri = client.endpoint_uri(ENDPOINT)
        with self._fetch_lock(uri):
            return self._fetch(client, uri, requests_kwargs).keys

    def _serves(self, entry: _Entry, kid: str | None, now: float) -> bool:
        return now < entry.fetched_at + entry.max_age and (kid is None or kid in entry.kids)

    def _wants_fetch(self, entry: _Entry, kid: str | None, now: float) -> bool:
        if now >= entry.fetched_at + entry.max_age:
            return True  # stale
        # A kid it lacks: fetched again, unless it was fetched within the cooldown.
        return (
            kid is not None
            and kid not in entry.kids
            and now - entry.fetched_at >= self.refetch_cooldown
        )

    def _fetch_lock(self, uri: str) -> threading.Lock:
        with self._lock:
            return self._locks.setdefault(uri, threading.Lock())

    def _raise_recent_failure(self, uri: str) -> None:
        """Raise the last fetch's failure again if it is younger than `failure_cooldown`."""
        failure = self._failures.get(uri)
        if failure is None:
            return
        failed_at, error = failure
        if 0 <= (age := self._clock() - failed_at) < self.failure_cooldown:
            again = copy.copy(error)  # each caller its own (its traceback, its context)
            wait = self.failure_cooldown - age
            again.args = (f"{error} (a fetch {age:.1f} s ago; tried again in {wait:.1f} s)",)
            raise again

    def _fetch(self, client: OAuth2Client, uri: str, requests_kwargs: Any) -> _Entry:
        try:
            fetched: _Fetched = client.call(
                ENDPOINT, method="GET", auth=False, requests_kwargs=requests_kwargs
            )
        except OAuth2KitError as exc:
            self._failures[uri] = (self._clock(), exc)
            raise
        self._failures.pop(uri, None)
        max_age = self.max_age if fetched.max_age is None else fetched.max_age
        max_age = min(max(max_age, self.refetch_cooldown), MAX_CACHE_AGE)
        entry = _Entry.of(fetched.keys, fetched.jwks, self._clock(), max_age)
        with self._lock:
            self._entries[uri] = entry
            self.fetches += 1
        return entry

    def export(self) -> dict[str, Any]:
        """The cache's content as JSON-able data (public keys and fetch times only)."""
        with self._lock:
            entries = dict(self._entries)
        return {
            "format": EXPORT_FORMAT,
            "entries": [
                {"jwks_uri": uri, "jwks": e.jwks, "fetched_at": e.fetched_at, "max_age": e.max_age}
                for uri, e in entries.items()
            ],
        }

    def import_(self, data: Mapping[str, Any]) -> None:
        """Load what `export` returned; an entry older than the one held is ignored.

        Raises:
            InvalidParam: `data` is not an export of this format.
        """
        if not isinstance(data, Mapping) or data.get("format") != EXPORT_FORMAT:
            raise InvalidParam(f"not a JwksCache export (format {EXPORT_FORMAT!r})")
        items = data.get("entries")
        if not isinstance(items, list):
            raise InvalidParam("a JwksCache export has a list of entries")
        loaded: dict[str, _Entry] = {}
        for index, item in enumerate(items):
            entry = _imported(item)
            if entry is None:
                raise InvalidParam(f"entry #{index} of the JwksCache export is invalid")
            loaded[item["jwks_uri"]] = entry
        with self._lock:
            for uri, entry in loaded.items():
                held = self._entries.get(uri)
                if held is None or held.fetched_at < entry.fetched_at:
                    self._entries[uri] = entry

    def __repr__(self) -> str:
        """The number of entries and fetches (keys are public, but long)."""
        return f"JwksCache({len(self._entries)} entries, fetches={self.fetches})"


def _imported(item: object) -> _Entry | None:
    """One entry of an export, or None if it is not one."""
    if not isinstance(item, Mapping):
        return None
    uri, jwks = item.get("jwks_uri"), item.get("jwks")
    fetched_at, max_age = item.get("fetched_at"), item.get("max_age")
    if not isinstance(uri, str) or not isinstance(jwks, dict):
        return None
    try:
        keys = _parsed_jwks(jwks)
        max_age = min(_number("max_age", max_age, 0), MAX_CACHE_AGE)  # as for a fetch
        return _Entry.of(keys, jwks, _number("fetched_at", fetched_at, 0), max_age)
    except (InvalidParam, jose.JoseError):
        return None


_client_caches: weakref.WeakKeyDictionary[OAuth2Client, JwksCache] = weakref.WeakKeyDictionary()
_client_caches_lock = threading.Lock()


def cache_for(client: OAuth2Client) -> JwksCache:
    """The client's `JwksCache`: the ``jwks_cache`` setting, or one of its own."""
    given: JwksCache | None = client.settings.get("jwks_cache")
    if given is not None:
        return given
    cache = _client_caches.get(client)
    if cache is None:
        with _client_caches_lock:
            cache = _client_caches.setdefault(client, JwksCache())
    return cache


# --- operations --------------------------------------------------------------------------


def authorization_server_keys(
    client: OAuth2Client, kid: str | None = None, requests_kwargs: Any = None
) -> jose.KeySet:
    """The operation: the server's verification keys (see the module docstring).

    Raises:
        MissingEndpointUri: the client has neither ``authorization_server_jwks`` nor
            ``jwks_uri``.
        InvalidJwks: the ``jwks_uri`` answered something that is not a JWK Set.
    """
    if kid is not None and not isinstance(kid, str):
        raise InvalidParam(f"kid must be a str, got {type(kid).__name__}")
    static: jose.KeySet | None = client.settings.get("authorization_server_jwks")
    if ENDPOINT not in client.settings:
        if static is None:
            raise MissingEndpointUri(ENDPOINT)
        return static
    if static is not None and (kid is None or static.get(kid) is not None):
        return static
    return cache_for(client).keys(client, kid, requests_kwargs=requests_kwargs)


def verified_by_server(
    client: OAuth2Client, token: str, algs: tuple[str, ...], keys: jose.KeySetLike | None = None
) -> jose.VerifiedJwt:
    """Verify `token` with `keys`, or the server's keys, fetched again for a new kid.

    For the plugins that verify server-signed JWTs. A kid the keys lack makes one call of
    ``authorization_server_keys(kid=...)``, which refetches within its cooldown rules.

    Raises:
        jose.JoseError: (a subclass) the facade's refusal, as it is.
        MissingEndpointUri: the client has no server keys configured.
    """
    if keys is not None:
        return jose.verify_jwt(token, keys, algs)
    try:
        return jose.verify_jwt(token, client.run("authorization_server_keys"), algs)
    except jose.KeyNotFound as exc:
        kid = None if isinstance(exc, jose.AmbiguousKey) else jose.peek_header(token).get("kid")
        if not isinstance(kid, str):
            raise
        return jose.verify_jwt(token, client.run("authorization_server_keys", kid=kid), algs)


def update_authorization_server_public_keys(
    client: OAuth2Client, requests_kwargs: Any = None
) -> jose.KeySet:
    """The operation behind ``OAuth2Client.update_authorization_server_public_keys()``."""
    return cache_for(client).refresh(client, requests_kwargs=requests_kwargs)


def _auth_key(auth: object) -> Any:
    for name in ("private_key", "private_jwk", "key"):
        key = getattr(auth, name, None)
        if key is not None:
            return key
    return None


def client_jwks(client: OAuth2Client) -> jose.KeySet:
    """The operation behind ``OAuth2Client.client_jwks``: the client's public keys.

    The public half of the client authentication's private key (``private_key_jwt``) with
    ``use: sig``, and of ``id_token_decryption_key`` with ``use: enc``, unless they say
    otherwise. Symmetric keys have no public half and are left out.
    """
    keys = []
    for key_like, use in (
        (_auth_key(client.auth), "sig"),
        (client.settings.get("id_token_decryption_key"), "enc"),
    ):
        if key_like is None:
            continue
        key = jose.to_key(key_like)
        if key.kty == "oct":
            continue
        public = key.public_key()
        keys.append(jose.Key(public.crypto_key, kid=key.kid, use=key.use or use, alg=key.alg))
    return jose.KeySet(keys)


# --- settings and hooks ------------------------------------------------------------------


def checked_static_jwks(client: OAuth2Client, value: object) -> jose.KeySet:  # noqa: ARG001 - a Setting converter
    """Check ``authorization_server_jwks``: a JWK Set (dict), a `jose.KeySet`, keys."""
    try:
        return jose.to_key_set(value)  # type: ignore[arg-type] # checked there
    except jose.JoseError as exc:
        raise InvalidParam(f"authorization_server_jwks is not usable: {exc}") from None


def checked_cache(client: OAuth2Client, value: object) -> JwksCache:  # noqa: ARG001 - a Setting converter
    """Check ``jwks_cache``: a `JwksCache`."""
    if not isinstance(value, JwksCache):
        raise InvalidParam(f"jwks_cache must be a JwksCache, got {type(value).__name__}")
    return value


@hookimpl
def oauth2kit_register_settings(registry: Registry[Setting]) -> None:
    """``jwks_uri``, ``authorization_server_jwks`` and ``jwks_cache``."""
    registry.add(ENDPOINT, Setting(endpoint=True))
    registry.add("authorization_server_jwks", Setting(convert=checked_static_jwks))
    registry.add("jwks_cache", Setting(convert=checked_cache))


@hookimpl
def oauth2kit_register_operations(registry: Registry[Any]) -> None:
    """The key operations."""
    registry.add("authorization_server_keys", authorization_server_keys)
    registry.add("update_authorization_server_public_keys", update_authorization_server_public_keys)
    registry.add("client_jwks", client_jwks)


@hookimpl
def oauth2kit_register_extensions(registry: Registry[object]) -> None:
    """Export `JwksCache` and `InvalidJwks`."""
    registry.add("JwksCache", JwksCache)
    registry.add("InvalidJwks", InvalidJwks)


def _cache_max_age(header: str) -> float | None:
    if _NO_CACHE.search(header):
        return 0.0  # raised to the cooldown: "always revalidate" cannot mean every token
    found = _MAX_AGE.search(header)
    return float(found.group(1)) if found else None


@hookimpl
def oauth2kit_parse_response(call: EndpointCall, response: EndpointResponse) -> object | None:
    """Parse ``jwks_uri`` answers: the usable keys, and the server's ``max-age``."""
    if call.endpoint != ENDPOINT:
        return None
    try:
        if response.data is None:
            raise jose.InvalidKey(f"{ENDPOINT} answered {response.describe()}")
        keys = _parsed_jwks(response.data)
    except jose.JoseError as exc:
        raise InvalidJwks(response.response, call.client, f"not a JWK Set: {exc}") from None
    max_age = _cache_max_age(response.response.headers.get("Cache-Control", ""))
    # Kept (and exported) as the public keys only: a server that wrongly publishes a private
    # member must not have it copied into every cache export.
    return _Fetched(keys, keys.public_jwks(), max_age)
