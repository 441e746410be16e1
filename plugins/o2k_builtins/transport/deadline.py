"""A deadline on the whole call, headers included: entry point ``transport.deadline``.

The ``transport.requests`` plugin sends a numeric ``timeout`` to `requests` as a urllib3
`Timeout` whose ``total`` is that timeout, and bounds the body's reading by it itself. A
socket timeout bounds each read, though, not their sum: a server that sends its status
line and headers a byte at a time, each within the timeout, would hold the call for as
long as it likes. So this plugin
has a client's session hand each request's connection to one watchdog thread while the
request is sent (through a proxy's tunnel too), its headers read and its body read (until
the connection is back in its pool); when the ``total`` runs out, the watchdog shuts the
connection's socket, the read fails, and the transport raises `TransportError` naming the
deadline.

requests gives no handle on the socket before the headers arrive, so the session's
urllib3 pool managers (those of requests' own make, as every `HTTPAdapter` has) are given
watched connection pools: new pools are made of the watched kind, and existing ones
become it. Nothing is replaced or remounted, so another thread using the session meanwhile
is not disturbed, and a request that carries no ``total`` is sent exactly as before. An
adapter with a pool manager of its own (a SOCKS proxy's, say) keeps a deadline per read
on the headers (the body is bounded by ``transport.requests`` either way). The watched
pools also skip interim (1xx) answers other than 101, which http.client would take for
the final one: they are the one place where requests' connections can be told so.
"""

from __future__ import annotations

import contextlib
import heapq
import http.client
import itertools
import os
import socket
import threading
import time
import types
from typing import TYPE_CHECKING, Any

import requests.adapters
import urllib3
from urllib3 import HTTPConnectionPool, HTTPSConnectionPool

from oauth2kit import hookimpl

if TYPE_CHECKING:
    from oauth2kit import OAuth2Client


class _Watchdog:
    """One daemon thread that shuts the sockets of requests whose deadline passed."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        """Start afresh: in a forked child, the parent's requests (and lock) are not its own.

        Shutting an inherited socket would cut the parent's connection, not just the
        child's copy of it; the thread, too, stayed behind in the parent.
        """
        self._cond = threading.Condition()
        self._heap: list[tuple[float, int, Any]] = []  # (deadline, key, connection)
        self._live: set[int] = set()
        self._keys = itertools.count()
        self._started = False

    def watch(self, deadline: float, conn: Any) -> int:
        """Shut `conn`'s socket at `deadline` (monotonic seconds) unless forgotten first."""
        with self._cond:
            key = next(self._keys)
            heapq.heappush(self._heap, (deadline, key, conn))
            self._live.add(key)
            if not self._started:
                self._started = True
                threading.Thread(target=self._run, name="oauth2kit-deadlines", daemon=True).start()
            elif self._heap[0][1] == key:
                self._cond.notify()  # an earlier deadline than the one being waited for
            return key

    def forget(self, key: int) -> None:
        """The request ended in time: leave its connection alone."""
        self._live.discard(key)  # one atomic set operation: no lock needed

    def _run(self) -> None:
        with self._cond:
            while True:
                while self._heap and self._heap[0][1] not in self._live:
                    heapq.heappop(self._heap)  # ended in time: dropped without a wake-up each
                if not self._heap:
                    self._cond.wait()
                    continue
                deadline, key, conn = self._heap[0]
                if (delay := deadline - time.monotonic()) > 0:
                    # Bounded: a wait past TIMEOUT_MAX overflows, and would end this thread.
                    self._cond.wait(min(delay, threading.TIMEOUT_MAX))
                    continue
                heapq.heappop(self._heap)
                self._live.discard(key)
                sock = getattr(conn, "sock", None)
                if sock is not None:  # still connecting: the connect timeout bounds that
                    with contextlib.suppress(OSError):
                        sock.shutdown(socket.SHUT_RDWR)


_WATCHDOG = _Watchdog()
os.register_at_fork(after_in_child=_WATCHDOG.reset)
_GRACE = 0.1  # seconds
# Per thread: the deadline of the urlopen call under way in a watched pool, if any.
_CALL = threading.local()


class _FinalResponse(http.client.HTTPResponse):
    """http.client's response, skipping every interim (1xx) answer but 101.

    RFC 9110 section 15.2 has a client ignore the 1xx answers it does not expect, and a CDN
    may send ``103 Early Hints`` before the real one; http.client skips ``100`` only, and
    would hand a 103 on as the answer. Reported as 100, an interim answer is skipped the
    way http.client skips that one, headers and all.
    """

    def _read_status(self) -> tuple[str, int, str]:
        version, status, reason = super()._read_status()  # type: ignore[misc] # private
        if 100 < status < 200 and status != 101:  # noqa: PLR2004 - the 1xx range
            return version, http.client.CONTINUE, reason
        return version, status, reason


def _body_socket(response: Any) -> Any:
    """The socket that `response`'s body is read from (urllib3 over http.client), if found."""
    reader = getattr(getattr(response, "_fp", None), "fp", None)  # http.client's socket file
    return getattr(getattr(reader, "raw", None), "_sock", None)


class _Watched(HTTPConnectionPool):
    """A pool whose requests with a ``total`` timeout are watched until their body is read.

    Until the connection comes back to the pool, that is: a single read of urllib3's can
    last as long as the server likes, one that decodes nothing from a stream of empty
    compressed blocks or one that discards endless chunked trailers. A connection dropped
    instead (an error, a body over the cap) keeps its watch until the deadline, which then
    shuts a socket that nothing uses any more.
    """

    def urlopen(self, *args: Any, **kwargs: Any) -> Any:
        total = getattr(kwargs.get("timeout"), "total", None)
        if not isinstance(total, int | float):
            return super().urlopen(*args, **kwargs)
        # A moment after the total: a silent server is caught by the socket's own timeout
        # (urllib3 cuts it to what is left of the total), so its error stays a Timeout. One
        # deadline for the whole call, from here: a proxy's CONNECT comes before the request.
        _CALL.deadline = time.monotonic() + total + _GRACE
        try:
            return super().urlopen(*args, **kwargs)
        finally:
            _CALL.deadline = None

    def _make_request(self, conn: Any, *args: Any, **kwargs: Any) -> Any:
        conn.response_class = _FinalResponse  # with a timeout or without
        deadline = getattr(_CALL, "deadline", None)
        if deadline is None:
            return super()._make_request(conn, *args, **kwargs)
        key = _WATCHDOG.watch(deadline, conn)
        try:
            response = super()._make_request(conn, *args, **kwargs)
        except BaseException:
            _WATCHDOG.forget(key)
            raise
        # An answer that closes the connection leaves conn without its socket (http.client
        # closes it), while the body is still read from that socket: watch the socket.
        sock = _body_socket(response)
        if conn.sock is None and sock is not None:
            _WATCHDOG.forget(key)
            key = _WATCHDOG.watch(deadline, types.SimpleNamespace(sock=sock))
        conn._oauth2kit_watch = key  # noqa: SLF001 - our mark on urllib3's connection
        return response

    def _put_conn(self, conn: Any) -> None:
        # Back in the pool, for another request: no longer this one's to shut.
        key = getattr(conn, "_oauth2kit_watch", None)
        if key is not None:
            _WATCHDOG.forget(key)
            conn._oauth2kit_watch = None  # noqa: SLF001
        super()._put_conn(conn)


class _WatchedHTTPS(_Watched, HTTPSConnectionPool):
    def _prepare_proxy(self, conn: Any) -> None:
        # The tunnel through a proxy: its CONNECT answer, and the TLS handshake after it.
        deadline = getattr(_CALL, "deadline", None)
        if deadline is None:
            return super()._prepare_proxy(conn)
        key = _WATCHDOG.watch(deadline, conn)
        try:
            return super()._prepare_proxy(conn)
        finally:
            _WATCHDOG.forget(key)


_POOLS = {"http": _Watched, "https": _WatchedHTTPS}
_STOCK_POOLS = {HTTPConnectionPool: _Watched, HTTPSConnectionPool: _WatchedHTTPS}
_STOCK_MANAGERS = (urllib3.PoolManager, urllib3.ProxyManager)  # SOCKS keeps its own pools


def _watch_pools_of(manager: object) -> None:
    """Make `manager`'s pools, existing and future, watched ones (a urllib3 manager only)."""
    if type(manager) not in _STOCK_MANAGERS:
        return
    manager.pool_classes_by_scheme = _POOLS  # type: ignore[attr-defined] # a stock manager
    pools = manager.pools  # type: ignore[attr-defined]
    with pools.lock:
        for pool in pools._container.values():  # noqa: SLF001 - urllib3 has no public view
            if (watched := _STOCK_POOLS.get(type(pool))) is not None:
                # The same object, methods of a subclass that adds only the watch: a thread
                # inside one of its calls finishes it unwatched.
                pool.__class__ = watched


class _ProxyManagers(dict[str, Any]):
    """An adapter's proxy managers by proxy URL; one that requests adds is watched too."""

    def __setitem__(self, proxy: str, manager: Any) -> None:
        _watch_pools_of(manager)
        super().__setitem__(proxy, manager)


@hookimpl
def oauth2kit_configure_client(client: OAuth2Client) -> None:
    """Have the client's session watch the headers' deadline, in every stock pool manager."""
    for adapter in list(client.session.adapters.values()):
        if not isinstance(adapter, requests.adapters.HTTPAdapter):
            continue
        _watch_pools_of(adapter.poolmanager)
        if type(adapter.proxy_manager) is dict:  # requests' own: those to come, watched too
            for manager in list(adapter.proxy_manager.values()):
                _watch_pools_of(manager)
            adapter.proxy_manager = _ProxyManagers(adapter.proxy_manager)
