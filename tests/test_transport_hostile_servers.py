"""The transport plugin and the command line against hostile loopback servers.

Each test runs a small HTTP server (or proxy) of its own on a real loopback socket, answering
one hostile way: a redirect with a huge or dripped body, a compressed body that decodes to
nothing, endless chunked trailers, a proxy that drips its CONNECT answer, 103 Early Hints.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests
from plugin_dists import write_distribution

from oauth2kit import OAuth2Client, OAuth2Error, ResponseTooLarge, TransportError

Answer = Callable[[socket.socket], None]
TOKEN = json.dumps({"access_token": "tok", "token_type": "Bearer", "expires_in": 60}).encode()
OK_HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n"


def _read_request(conn: socket.socket) -> bytes | None:
    """Read one request (head and body); return its head, or None if the client closed."""
    data = b""
    while b"\r\n\r\n" not in data:
        piece = conn.recv(65536)
        if not piece:
            return None
        data += piece
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.lower().split(b"\r\n"):
        if line.startswith(b"content-length:"):
            length = int(line.split(b":")[1])
    while len(body) < length:
        body += conn.recv(65536)
    return head


class Server:
    """A loopback server: each connection is answered by `answer` in a thread of its own."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.1)
        self.stop = threading.Event()
        self.connections = 0
        self.heads: list[bytes] = []
        self.loops: list[threading.Thread] = []
        self.open: list[socket.socket] = []

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.listener.getsockname()[1]}"

    def start(self, answer: Answer) -> str:
        def loop() -> None:
            while not self.stop.is_set():
                try:
                    conn, _ = self.listener.accept()
                except TimeoutError:
                    continue
                self.connections += 1
                self.open.append(conn)
                threading.Thread(target=handle, args=(conn,), daemon=True).start()

        def handle(conn: socket.socket) -> None:
            with conn, contextlib.suppress(OSError):  # the client giving up first is fine
                answer(conn)

        thread = threading.Thread(target=loop, daemon=True)
        thread.start()
        self.loops.append(thread)
        return f"{self.base}/token"

    def close(self) -> None:
        """Stop accepting, and cut the connections still open (kept alive by a client)."""
        self.stop.set()
        for thread in self.loops:
            thread.join(timeout=5)
        for conn in self.open:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        self.listener.close()

    def keep_alive(self, response: bytes) -> str:
        """Answer every request of every connection with `response`, keeping connections open."""

        def answer(conn: socket.socket) -> None:
            while (head := _read_request(conn)) is not None:
                self.heads.append(head)
                conn.sendall(response)

        return self.start(answer)


@pytest.fixture
def server() -> Iterator[Server]:
    served = Server()
    yield served
    served.close()


def _client(url: str, **kwargs: object) -> OAuth2Client:
    return OAuth2Client(url, client_id="c", client_secret="s", **kwargs)  # type: ignore[arg-type]


def _once(answer: Answer) -> Answer:
    """`answer` after reading the request."""

    def answered(conn: socket.socket) -> None:
        if _read_request(conn) is not None:
            answer(conn)

    return answered


def _drip(conn: socket.socket, data: bytes, pause: float, until: float) -> None:
    """Send `data` a byte at a time, `pause` apart, until the monotonic time `until`."""
    for byte in data:
        if time.monotonic() > until:
            return
        conn.sendall(bytes([byte]))
        time.sleep(pause)


# --- redirects ---------------------------------------------------------------------------


def test_a_redirects_body_is_capped_before_it_is_all_in_memory(server: Server) -> None:
    """A 302 with a Location and 64 MiB of body: the cap stops reading near 1 MiB."""
    sent = [0]
    megabyte = b"x" * (1 << 20)

    def answer(conn: socket.socket) -> None:
        conn.sendall(b"HTTP/1.1 302 Found\r\nLocation: /elsewhere\r\nContent-Length: %d\r\n\r\n" % (64 << 20))  # fmt: skip
        for _ in range(64):
            conn.sendall(megabyte)
            sent[0] += len(megabyte)

    url = server.start(_once(answer))
    with pytest.raises(ResponseTooLarge):
        _client(url).client_credentials()
    time.sleep(0.2)  # the server notices the closed connection
    assert sent[0] < 32 << 20  # socket buffers hold a few MiB at most; not the whole body


def test_a_redirects_dripped_body_ends_at_the_timeout_of_the_whole_call(server: Server) -> None:
    """A 302 whose 40-byte body arrives a byte every 0.1 s (4 s in all), with timeout=1."""

    def answer(conn: socket.socket) -> None:
        conn.sendall(b"HTTP/1.1 302 Found\r\nLocation: https://elsewhere.example/\r\nContent-Length: 40\r\n\r\n")  # fmt: skip
        _drip(conn, b"x" * 40, 0.1, time.monotonic() + 5)

    url = server.start(_once(answer))
    started = time.monotonic()
    with pytest.raises(TransportError):
        _client(url, timeout=1).client_credentials()
    assert time.monotonic() - started < 2.5


def test_a_redirect_with_a_malformed_location_is_an_error_response(server: Server) -> None:
    """The server did answer: a 3xx is an error response like any other, whatever its Location."""
    head = b"HTTP/1.1 302 Found\r\nLocation: http://[::1\r\nContent-Length: 0\r\n\r\n"
    url = server.start(_once(lambda conn: conn.sendall(head)))
    with pytest.raises(OAuth2Error) as caught:
        _client(url).client_credentials()
    assert 302 == caught.value.response.status_code


def test_a_redirect_is_not_followed_and_its_target_never_reached(server: Server) -> None:
    """A 307 to another loopback server: an error response, and the target sees no request."""
    target = Server()
    try:
        target_url = target.keep_alive(OK_HEAD % len(TOKEN) + TOKEN)
        head = f"HTTP/1.1 307 Temporary Redirect\r\nLocation: {target_url}\r\nContent-Length: 0\r\n\r\n"
        url = server.keep_alive(head.encode())
        with pytest.raises(OAuth2Error) as caught:
            _client(url).client_credentials()
        assert 307 == caught.value.response.status_code
        time.sleep(0.1)
        assert 0 == target.connections
    finally:
        target.close()


# --- bodies that never end within the deadline ------------------------------------------


def test_a_compressed_body_that_decodes_to_nothing_ends_at_the_timeout(server: Server) -> None:
    """Gzip of empty deflate blocks, 5 bytes every 0.05 s for 4 s: nothing to count, no end."""

    def answer(conn: socket.socket) -> None:
        conn.sendall(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            b"Content-Encoding: gzip\r\nConnection: close\r\n\r\n"
            b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"
        )
        until = time.monotonic() + 4
        while time.monotonic() < until:
            conn.sendall(b"\x00\x00\x00\xff\xff")  # an empty stored block (a sync flush)
            time.sleep(0.05)

    url = server.start(_once(answer))
    started = time.monotonic()
    with pytest.raises(TransportError, match="within the timeout"):
        _client(url, timeout=1).client_credentials()
    assert time.monotonic() - started < 2.5


def test_endless_chunked_trailers_end_at_the_timeout(server: Server) -> None:
    """The body in one chunk, then trailer lines every 0.01 s for 4 s, with timeout=1."""

    def answer(conn: socket.socket) -> None:
        conn.sendall(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n%x\r\n%s\r\n0\r\n" % (len(TOKEN), TOKEN)
        )
        until = time.monotonic() + 4
        while time.monotonic() < until:
            conn.sendall(b"X-Trailer: y\r\n")
            time.sleep(0.01)

    url = server.start(_once(answer))
    started = time.monotonic()
    with pytest.raises(TransportError, match="within the timeout"):
        _client(url, timeout=1).client_credentials()
    assert time.monotonic() - started < 2.5


def test_a_proxy_that_drips_its_connect_answer_ends_at_the_timeout(server: Server) -> None:
    """An https endpoint through an http proxy whose CONNECT answer comes a byte every 0.05 s."""

    def answer(conn: socket.socket) -> None:
        connect = b"HTTP/1.1 200 Connection established\r\nX-Padding: " + b"x" * 200
        _drip(conn, connect, 0.05, time.monotonic() + 4)

    proxy = server.start(_once(answer)).removesuffix("/token")
    client = _client("https://127.0.0.1:9/token", timeout=1)
    started = time.monotonic()
    with pytest.raises(TransportError):
        client.client_credentials(requests_kwargs={"proxies": {"https": proxy}})
    assert time.monotonic() - started < 2.5


# --- interim responses ---------------------------------------------------------------------


def test_a_103_early_hints_answer_is_skipped_for_the_final_one(server: Server) -> None:
    """RFC 9110 section 15.2: a client parses and ignores 1xx answers it did not expect."""
    early = b"HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n"
    url = server.start(_once(lambda conn: conn.sendall(early + OK_HEAD % len(TOKEN) + TOKEN)))
    assert "tok" == _client(url).client_credentials().access_token


def test_100_continue_answers_before_the_final_one_are_skipped(server: Server) -> None:
    """Several unsolicited 100 Continue answers, then the token response."""
    interim = b"HTTP/1.1 100 Continue\r\n\r\n" * 5
    url = server.start(_once(lambda conn: conn.sendall(interim + OK_HEAD % len(TOKEN) + TOKEN)))
    assert "tok" == _client(url).client_credentials().access_token


# --- failures are TransportErrors; connections are reused and not leaked -----------------


def _reset(conn: socket.socket) -> None:
    conn.sendall(OK_HEAD % 1000 + b'{"access_token": ')
    time.sleep(0.05)
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")


@pytest.mark.parametrize(
    "answer",
    [
        pytest.param(lambda conn: conn.sendall(OK_HEAD % 1000 + b"{}"), id="short-body"),
        pytest.param(_reset, id="reset-mid-body"),
        pytest.param(lambda conn: conn.sendall(b"garbage\r\n\r\n"), id="no-status-line"),
        pytest.param(lambda _: None, id="closed-unanswered"),
        pytest.param(
            lambda conn: conn.sendall(
                b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"
            ),
            id="bad-chunk-size",
        ),
        pytest.param(
            lambda conn: conn.sendall(
                b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 8\r\n\r\nnot gzip"
            ),
            id="bad-gzip",
        ),
        pytest.param(
            lambda conn: conn.sendall(
                b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}"
            ),
            id="two-lengths",
        ),
    ],
)
def test_a_broken_answer_is_a_transport_error_with_its_cause(
    server: Server, answer: Answer
) -> None:
    """Whatever breaks below requests, the caller gets a TransportError, never urllib3's own."""
    url = server.start(_once(answer))
    with pytest.raises(TransportError) as caught:
        _client(url, timeout=2).client_credentials()
    assert isinstance(caught.value, requests.RequestException)
    assert caught.value.__cause__ is not None


def _pool_connections(client: OAuth2Client, url: str) -> int:
    adapter = client.session.get_adapter(url)
    pool = adapter.poolmanager.connection_from_url(url)  # type: ignore[attr-defined]
    return int(pool.pool.qsize())


def test_connections_are_kept_alive_and_one_cut_short_is_not_reused(server: Server) -> None:
    """Calls share one connection; a body over the cap drops its own, the next call opens one."""
    big = json.dumps({"access_token": "tok", "padding": "x" * 3000}).encode()
    answers = iter([TOKEN, TOKEN, big, TOKEN, TOKEN])

    def answer(conn: socket.socket) -> None:
        while _read_request(conn) is not None:
            body = next(answers)
            conn.sendall(OK_HEAD % len(body) + body)

    url = server.start(answer)
    client = _client(url, max_response_bytes=1000)
    client.client_credentials()
    client.client_credentials()
    assert 1 == server.connections
    with pytest.raises(ResponseTooLarge):
        client.client_credentials()
    client.client_credentials()
    client.client_credentials()
    assert 2 == server.connections
    assert _pool_connections(client, url) <= 10  # requests' pool size: nothing piled up


def test_threads_share_a_client_and_its_connections(server: Server) -> None:
    """Eight threads, ten calls each, on one client: every call gets its own token."""
    url = server.keep_alive(OK_HEAD % len(TOKEN) + TOKEN)
    client = _client(url, timeout=5)
    errors: list[BaseException] = []

    def work() -> None:
        try:
            for _ in range(10):
                assert "tok" == client.client_credentials().access_token
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert [] == errors
    assert 80 == len(server.heads)
    assert server.connections <= 10  # kept alive: not one connection per call


# --- credentials and proxies -----------------------------------------------------------------


class _Subclass(requests.Session):
    """A Session subclass: the transport goes through its `request()`."""


@pytest.mark.parametrize("session_type", [requests.Session, _Subclass])
def test_auth_false_sends_neither_the_sessions_auth_nor_netrc(
    server: Server,
    session_type: type[requests.Session],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """auth=False: no Authorization header, though both the session and ~/.netrc have one."""
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1 login netrc-user password netrc-password\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    url = server.keep_alive(OK_HEAD % len(TOKEN) + TOKEN)
    session = session_type()
    session.auth = ("session-user", "session-password")
    session.headers["X-Session"] = "kept"
    client = _client(url, session=session)
    client.request_endpoint("token_endpoint", {"grant_type": "client_credentials"}, auth=False)
    [head] = server.heads
    assert b"authorization:" not in head.lower()
    assert b"x-session: kept" in head.lower()  # the session's own headers are honoured


@pytest.mark.parametrize("session_type", [requests.Session, _Subclass])
def test_plain_http_goes_direct_whatever_proxies_the_environment_and_session_name(
    server: Server, session_type: type[requests.Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    """HTTP_PROXY, ALL_PROXY and session.proxies all point at a trap that must see nothing."""
    trap = Server()
    try:
        trap_url = trap.keep_alive(OK_HEAD % len(TOKEN) + TOKEN).removesuffix("/token")
        for name in ("HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"):
            monkeypatch.setenv(name, trap_url)
        for name in ("NO_PROXY", "no_proxy"):
            monkeypatch.delenv(name, raising=False)
        url = server.keep_alive(OK_HEAD % len(TOKEN) + TOKEN)
        session = session_type()
        session.proxies = {"http": trap_url, "all": trap_url, "all://127.0.0.1": trap_url}
        assert "tok" == _client(url, session=session).client_credentials().access_token
        assert 0 == trap.connections
        assert 1 == len(server.heads)
    finally:
        trap.close()


# --- the command line ------------------------------------------------------------------------


def test_a_plugins_import_warning_reaches_stderr_escaped(tmp_path: Path) -> None:
    """``oauth2kit plugins``: a plugin's warnings.warn text is plugin data like its error."""
    write_distribution(
        tmp_path, {"vendor.warns": "import warnings\nwarnings.warn('\\x1b[2J\\x1b[31mred')\n"}
    )
    env = {"PYTHONPATH": str(tmp_path), "XDG_CACHE_HOME": str(tmp_path / "cache")}
    result = subprocess.run(
        [sys.executable, "-m", "oauth2kit", "plugins"],
        capture_output=True, check=False, timeout=60, env={**_environ(), **env},
    )  # fmt: skip
    assert 0 == result.returncode
    assert b"vendor.warns  [loaded]" in result.stdout
    assert b"\x1b" not in result.stderr


@pytest.mark.parametrize(
    "args", [("nosuchcommand",), ("plugins", "--nosuchflag"), ("plugins", "--disable")]
)
def test_bad_arguments_exit_2_with_a_message(args: tuple[str, ...]) -> None:
    """Bad input: status 2, a usage message on stderr, nothing on stdout."""
    result = subprocess.run(
        [sys.executable, "-m", "oauth2kit", *args],
        capture_output=True, text=True, check=False, timeout=60, env=_environ(),
    )  # fmt: skip
    assert 2 == result.returncode
    assert "" == result.stdout
    assert "usage: oauth2kit" in result.stderr
    assert "Traceback" not in result.stderr


def _environ() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k != "OAUTH2KIT_DISABLE_PLUGINS"}
