"""What a hostile or broken server meets: a cap on the body, a deadline on it, errors in words.

The test authorization server answers like a good one, so these tests run a small HTTP
server of their own on a loopback port (a real socket, real requests and urllib3 below),
answering one fixed way per test: a body too large, a gzip bomb, a body dripped a byte
at a time.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import socket
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from typing import Any

import attrs
import pytest
import requests
import requests.adapters

from oauth2kit import InvalidParam, OAuth2Client, ResponseTooLarge, TransportError

Answer = Callable[[socket.socket], None]
TOKEN = json.dumps({"access_token": "tok", "token_type": "Bearer", "expires_in": 60}).encode()


def _head(length: int, *extra: str) -> bytes:
    lines = ["HTTP/1.1 200 OK", "Content-Type: application/json", f"Content-Length: {length}"]
    return ("\r\n".join([*lines, *extra]) + "\r\n\r\n").encode()


def _read_request(conn: socket.socket) -> None:
    """Read one whole request: closing with some of it unread would reset the connection."""
    data = b""
    while b"\r\n\r\n" not in data:
        data += conn.recv(65536)
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(
        (
            int(line.split(b":")[1])
            for line in head.lower().split(b"\r\n")
            if line.startswith(b"content-length:")
        ),
        0,
    )
    while len(body) < length:
        body += conn.recv(65536)


@pytest.fixture
def serve() -> Iterator[Callable[[Answer], str]]:
    """Serve requests on 127.0.0.1 with an `answer` function; yields the token endpoint URL."""
    stop = threading.Event()
    threads: list[threading.Thread] = []
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)

    def start(answer: Answer) -> str:
        def loop() -> None:
            while not stop.is_set():
                try:
                    conn, _ = listener.accept()
                except TimeoutError:
                    continue
                # An OSError: the client gave up first, which is what the tests want.
                with conn, contextlib.suppress(OSError):
                    _read_request(conn)
                    answer(conn)

        thread = threading.Thread(target=loop, daemon=True)
        thread.start()
        threads.append(thread)
        return f"http://127.0.0.1:{listener.getsockname()[1]}/token"

    yield start
    stop.set()
    for thread in threads:
        thread.join(timeout=5)
    listener.close()


def _client(url: str, **kwargs: object) -> OAuth2Client:
    return OAuth2Client(url, client_id="c", client_secret="s", **kwargs)  # type: ignore[arg-type]


def test_a_body_over_the_cap_is_refused_and_a_larger_cap_reads_it(
    serve: Callable[[Answer], str],
) -> None:
    body = json.dumps({"access_token": "tok", "padding": "x" * 2_000_000}).encode()
    url = serve(lambda conn: conn.sendall(_head(len(body)) + body))
    with pytest.raises(ResponseTooLarge, match="more than 1048576 bytes"):
        _client(url).client_credentials()
    token = _client(url, max_response_bytes=4 * 1024 * 1024).client_credentials()
    assert "tok" == token.access_token


def test_a_gzip_bomb_is_refused_by_its_decompressed_size_without_reading_it_whole(
    serve: Callable[[Answer], str],
) -> None:
    bomb = gzip.compress(b"\0" * 256 * 1024 * 1024, compresslevel=9)  # about 250 KiB
    assert len(bomb) < 1024 * 1024  # under the cap as sent: only the decompressed size tells
    head = _head(len(bomb), "Content-Encoding: gzip")
    url = serve(lambda conn: conn.sendall(head + bomb))
    started = time.monotonic()
    with pytest.raises(ResponseTooLarge):
        _client(url).client_credentials()
    # Stopping at the cap is quick; decompressing all 256 MiB would take seconds and memory.
    assert time.monotonic() - started < 2


def test_a_body_dripped_byte_by_byte_ends_at_the_timeout_of_the_whole_call(
    serve: Callable[[Answer], str],
) -> None:
    def drip(conn: socket.socket) -> None:
        conn.sendall(_head(len(TOKEN)))
        for byte in TOKEN:
            conn.sendall(bytes([byte]))
            time.sleep(0.1)  # well under the per-read timeout: only a total deadline stops it

    url = serve(drip)
    started = time.monotonic()
    with pytest.raises(TransportError, match="within the timeout"):
        _client(url, timeout=1).client_credentials()
    assert time.monotonic() - started < 2.5  # the dripped body alone would take about 7 s


def test_a_connect_read_pair_keeps_its_requests_meaning(serve: Callable[[Answer], str]) -> None:
    def slow(conn: socket.socket) -> None:
        conn.sendall(_head(len(TOKEN)))
        for byte in TOKEN[:10]:
            conn.sendall(bytes([byte]))
            time.sleep(0.05)
        conn.sendall(TOKEN[10:])

    url = serve(slow)
    token = _client(url, timeout=(1, 1)).client_credentials()  # per read, not a total
    assert "tok" == token.access_token


def test_transport_errors_say_what_happened_and_keep_secrets_out() -> None:
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]  # closed again: nothing listens there now
    client = _client(f"http://127.0.0.1:{port}/token")
    with pytest.raises(TransportError, match="failed: ConnectionError: Connection refused"):
        client.client_credentials()
    proxied = OAuth2Client(
        f"https://127.0.0.1:{port}/token", client_id="c", client_secret="client-secret-value"
    )
    proxy = {"https": f"http://user:proxy-password@127.0.0.1:{port}"}
    with pytest.raises(TransportError) as caught:
        proxied.client_credentials(requests_kwargs={"proxies": proxy})
    assert "ProxyError: Connection refused" in str(caught.value)
    chain = "".join(traceback.format_exception(caught.value))
    assert "proxy-password" not in chain
    assert "client-secret-value" not in chain


def test_the_cap_must_be_a_positive_int() -> None:
    for bad in (0, -1, 1.5, True, "1"):
        with pytest.raises(InvalidParam, match="max_response_bytes"):
            _client("https://as.example/token", max_response_bytes=bad)


def test_the_transport_repr_keeps_proxy_credentials_and_cookies_out() -> None:
    client = OAuth2Client("https://as.example/token", client_id="c", client_secret="s")
    transport = attrs.evolve(
        client.transport,
        proxies={"https": "http://user:proxy-password@proxy.example:3128"},
        cookies={"session": "cookie-value"},
    )
    shown = repr(transport)
    assert "proxy-password" not in shown
    assert "cookie-value" not in shown
    assert "proxy.example:3128" in shown  # what is not secret still shows


def test_headers_dripped_byte_by_byte_end_at_the_timeout_of_the_whole_call(
    serve: Callable[[Answer], str],
) -> None:
    """The status line and headers, each byte well within the per-read timeout."""

    def drip(conn: socket.socket) -> None:
        for byte in _head(len(TOKEN)) + (b"X-Padding: " + b"x" * 200 + b"\r\n") * 20:
            conn.sendall(bytes([byte]))
            time.sleep(0.05)  # about 4,000 bytes: over three minutes in all

    url = serve(drip)
    started = time.monotonic()
    with pytest.raises(TransportError, match=r"within the timeout \(the whole call\)"):
        _client(url, timeout=1).client_credentials()
    assert time.monotonic() - started < 2.5


def test_a_session_already_in_use_gets_the_headers_deadline_too(
    serve: Callable[[Answer], str],
) -> None:
    """Its existing pools become watched ones in place: nothing is remounted under it."""

    def drip(conn: socket.socket) -> None:
        for byte in _head(len(TOKEN)) + b"X-Padding: " + b"x" * 2000 + b"\r\n":
            conn.sendall(bytes([byte]))
            time.sleep(0.05)

    url = serve(drip)
    used = requests.Session()
    adapter = used.get_adapter(url)
    manager: Any = used.adapters["http://"].poolmanager  # type: ignore[attr-defined]
    pool = manager.connection_from_url(url)  # as after a request to it
    client = _client(url, session=used, timeout=1)
    assert adapter is client.session.get_adapter(url)  # the same adapter, the same pool
    assert pool is manager.connection_from_url(url)
    started = time.monotonic()
    with pytest.raises(TransportError, match=r"within the timeout \(the whole call\)"):
        client.client_credentials()
    assert time.monotonic() - started < 2.5


def test_a_forked_child_leaves_the_parents_watched_connections_alone() -> None:
    """The child's watchdog starts empty: shutting an inherited socket would cut the parent's."""
    import os

    from o2k_builtins.transport.deadline import _WATCHDOG

    class Connection:
        def __init__(self, sock: socket.socket | None) -> None:
            self.sock = sock

    ours, theirs = socket.socketpair()
    with ours, theirs:
        key = _WATCHDOG.watch(time.monotonic() + 0.2, Connection(ours))
        pid = os.fork()
        if pid == 0:  # the child watches a request of its own, past the parent's deadline
            _WATCHDOG.watch(time.monotonic() + 10, Connection(None))
            time.sleep(0.6)
            os._exit(0)
        _WATCHDOG.forget(key)  # the parent's request ended in time
        for _ in range(100):  # an inherited, locked lock would hang the child: 5 s at most
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                break
            time.sleep(0.05)
        else:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
            pytest.fail("the forked child hung on the watchdog it inherited")
        assert 0 == os.waitstatus_to_exitcode(status)
        theirs.sendall(b"x")
        assert b"x" == ours.recv(1)  # the child did not shut it


def test_a_proxys_pool_manager_made_later_is_watched_too() -> None:
    client = _client("https://as.example/token")
    adapter: Any = client.session.get_adapter("https://as.example/token")
    manager = adapter.proxy_manager_for("http://proxy.example:3128")  # as on a first request
    pool = manager.connection_from_url("https://as.example/token")
    assert "_WatchedHTTPS" == type(pool).__name__
    socks: Any = type("SOCKSProxyManager", (), {"pool_classes_by_scheme": {}})()
    adapter.proxy_manager["socks5://proxy.example"] = socks  # not of urllib3's own make
    assert {} == socks.pool_classes_by_scheme  # left as it is
