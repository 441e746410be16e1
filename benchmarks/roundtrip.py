"""Whole round trips (token, introspection, revocation) against a local keep-alive server.

The server runs in a separate process, bound to 127.0.0.1 on a free port, and answers
with fixed bodies; every contender is timed in this process, each with its own warmed-up
`requests.Session` (one kept-alive connection), interleaved round-robin over the repeats.
"""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import importlib.util
import select
import socket
import statistics
import subprocess
import sys
import tempfile
import timeit
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import requests
from _common import Row, Stats, Target, child_env, neutral_cwd, rotated

if TYPE_CHECKING:
    from collections.abc import Iterator

TARGET_RATIO = 1.05
CLIENT_ID = "client"
CLIENT_SECRET = "secret"
SCOPE = "a b"
TOKEN = "tok"
#: The client_secret_basic credentials, in the form `requests` takes them.
BASIC_AUTH = (CLIENT_ID, CLIENT_SECRET)
ACCEPT_JSON = {"Accept": "application/json"}
#: Seconds to wait for the server to report its port, and the most it may live.
SERVER_START_S = 10.0
SERVER_LIFETIME_S = 300

# The server: stdlib only, HTTP/1.1 with a Content-Length on every response, so one
# connection serves all the calls of a session. It checks that each request carries the
# client_secret_basic header and the form field of its endpoint (so every contender sends an
# equivalent request), answers in one write with Nagle off (no delayed-ACK stalls), counts
# the requests (GET /count), and exits when its stdin closes or after SERVER_LIFETIME_S, so
# it cannot outlive the benchmark even if the parent is killed.
_SERVER = """\
import json, os, sys, threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from socketserver import TCPServer
from urllib.parse import parse_qs

EXPECTED_AUTH = {expected_auth!r}
ROUTES = {{
    "/token": (("grant_type", "client_credentials"), {token_body!r}),
    "/introspect": (("token", {token!r}), b'{{"active": true}}'),
    "/revoke": (("token", {token!r}), b""),
}}
counter = [0]
lock = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    wbufsize = 65536  # buffered: status, headers and body leave in one write per response
    disable_nagle_algorithm = True
    timeout = 120

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        form = parse_qs(self.rfile.read(length).decode("ascii", "replace"))
        with lock:
            counter[0] += 1
        route = ROUTES.get(self.path)
        if route is None:
            status, body = 404, b'{{"error": "not_found"}}'
        elif self.headers.get("Authorization") != EXPECTED_AUTH:
            status, body = 401, b'{{"error": "invalid_client"}}'
        elif form.get(route[0][0]) != [route[0][1]]:
            status, body = 400, b'{{"error": "invalid_request"}}'
        else:
            status, body = 200, route[1]
        self.reply(status, body)

    def do_GET(self):
        if self.path == "/count":
            self.reply(200, json.dumps({{"requests": counter[0]}}).encode())
        else:
            self.reply(404, b'{{"error": "not_found"}}')

    def reply(self, status, body):
        self.send_response(status)
        if body:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):
        pass


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def server_bind(self):
        # HTTPServer.server_bind looks the host name up (getfqdn); nothing to look up here.
        TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]


def stop_when_stdin_closes():
    sys.stdin.buffer.read()
    os._exit(0)


threading.Thread(target=stop_when_stdin_closes, daemon=True).start()
threading.Timer({lifetime}, os._exit, (0,)).start()
server = Server(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
"""


class ServerError(RuntimeError):
    """The local server did not start."""


@contextlib.contextmanager
def local_server() -> Iterator[str]:
    """Run the server in a child process; yield its base URL; stop it on the way out."""
    expected_auth = "Basic " + base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
    token_body = (
        b'{"access_token": "' + TOKEN.encode() + b'", "token_type": "Bearer", "expires_in": 3600}'
    )
    code = _SERVER.format(
        expected_auth=expected_auth, token_body=token_body, token=TOKEN, lifetime=SERVER_LIFETIME_S
    )
    with tempfile.TemporaryFile() as errors:
        proc = subprocess.Popen(
            [sys.executable, "-c", code],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=errors,
            cwd=neutral_cwd(),
            env=child_env(),
        )
        try:
            assert proc.stdout is not None
            ready, _, _ = select.select([proc.stdout], [], [], SERVER_START_S)
            line = proc.stdout.readline() if ready else b""
            if not line.strip().isdigit():
                errors.seek(0)
                tail = errors.read().decode(errors="replace").strip().splitlines()[-1:]
                raise ServerError(tail[0] if tail else "the server printed no port")
            yield f"http://127.0.0.1:{int(line)}"
        finally:
            if proc.stdin is not None:
                proc.stdin.close()
            proc.terminate()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            if proc.stdout is not None:
                proc.stdout.close()


@contextlib.contextmanager
def loopback_only() -> Iterator[list[int]]:
    """Refuse any connection to an address other than 127.0.0.1; count those made.

    `requests` (through urllib3) connects with `socket.socket.connect`; counting the calls
    shows whether the sessions kept their connections alive during the timed loops.
    """
    counter = [0]
    cls: Any = socket.socket
    original = cls.connect

    def connect(self: socket.socket, address: Any) -> None:
        host = address[0] if isinstance(address, tuple) else address
        if host != "127.0.0.1":
            raise OSError(f"benchmark: only 127.0.0.1 may be contacted, not {host!r}")
        counter[0] += 1
        original(self, address)

    cls.connect = connect
    try:
        yield counter
    finally:
        cls.connect = original


Call = Callable[[], object]
Build = Callable[[str, requests.Session], Call]


@dataclass(frozen=True)
class Contender:
    key: str
    label: str
    #: Which table the row goes into; its first contender is the reference for ratios.
    group: str
    build: Build
    #: Tells a correct result from a wrong one (checked after the warm-up, never timed).
    check: Callable[[object], bool]
    #: The library the contender needs (top-level module); MISSING if it is not installed.
    needs: str | None = None
    #: A feature that may not exist yet: any failure is reported as "not available yet".
    upcoming: bool = False
    #: A session as requests makes it, which reads the environment (proxies, CA bundle).
    default_session: bool = False


def _raw_post(path: str, data: dict[str, str]) -> Build:
    def build(base: str, session: requests.Session) -> Call:
        url = base + path

        def call() -> requests.Response:
            return session.post(url, data=data, auth=BASIC_AUTH, headers=ACCEPT_JSON, timeout=10)

        return call

    return build


def _oauth2kit_client(base: str, session: requests.Session, **endpoints: Any) -> Any:
    from construction import third_party_plugins  # noqa: PLC0415

    import oauth2kit  # noqa: PLC0415 - each contender imports its own library

    # Plugins that other distributions installed here (the tests' example plugin) are
    # left out: the row measures oauth2kit itself.
    return oauth2kit.OAuth2Client(
        base + "/token",
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        token_endpoint_auth_method="client_secret_basic",
        session=session,
        plugins=oauth2kit.PluginHost(disable=third_party_plugins()),
        **endpoints,
    )


def _oauth2kit_cc(base: str, session: requests.Session) -> Call:
    client = _oauth2kit_client(base, session)
    return lambda: client.client_credentials(scope=SCOPE)


def _oauth2kit_introspect(base: str, session: requests.Session) -> Call:
    client = _oauth2kit_client(base, session, introspection_endpoint=base + "/introspect")
    return lambda: client.introspect_token(TOKEN)


def _oauth2kit_revoke(base: str, session: requests.Session) -> Call:
    client = _oauth2kit_client(base, session, revocation_endpoint=base + "/revoke")
    return lambda: client.revoke_token(TOKEN)


def _rqo2c_cc(base: str, session: requests.Session) -> Call:
    import requests_oauth2client as r  # noqa: PLC0415

    client = r.OAuth2Client(
        token_endpoint=base + "/token",
        auth=r.ClientSecretBasic(CLIENT_ID, CLIENT_SECRET),
        session=session,
        testing=True,  # its only effect: http:// endpoints are accepted (it wants https)
    )
    return lambda: client.client_credentials(scope=SCOPE)


def _is_ok(result: object) -> bool:
    return isinstance(result, requests.Response) and result.status_code == 200


def _is_token(result: object) -> bool:
    return getattr(result, "access_token", None) == TOKEN


def _is_active(result: object) -> bool:
    if isinstance(result, Mapping):
        return result.get("active") is True
    return getattr(result, "active", None) is True


def _is_revoked(result: object) -> bool:
    return result is not False


CONTENDERS: tuple[Contender, ...] = (
    Contender(
        "token_baseline",
        "baseline: session.post (client_secret_basic)",
        "token",
        _raw_post("/token", {"grant_type": "client_credentials", "scope": SCOPE}),
        _is_ok,
    ),
    Contender(
        "token_oauth2kit",
        "oauth2kit client_credentials()",
        "token",
        _oauth2kit_cc,
        _is_token,
        needs="oauth2kit",
    ),
    Contender(
        "token_rqo2c",
        "requests_oauth2client client_credentials()",
        "token",
        _rqo2c_cc,
        _is_token,
        needs="requests_oauth2client",
    ),
    Contender(
        "introspect_baseline",
        "baseline: session.post to /introspect",
        "introspect",
        _raw_post("/introspect", {"token": TOKEN}),
        _is_ok,
    ),
    Contender(
        "introspect_oauth2kit",
        "oauth2kit introspect_token()",
        "introspect",
        _oauth2kit_introspect,
        _is_active,
        needs="oauth2kit",
        upcoming=True,
    ),
    Contender(
        "revoke_baseline",
        "baseline: session.post to /revoke",
        "revoke",
        _raw_post("/revoke", {"token": TOKEN}),
        _is_ok,
    ),
    Contender(
        "revoke_oauth2kit",
        "oauth2kit revoke_token()",
        "revoke",
        _oauth2kit_revoke,
        _is_revoked,
        needs="oauth2kit",
        upcoming=True,
    ),
)

# The same token request with sessions as requests makes them (`trust_env` on): what an
# application that passes no session of its own gets. Context, not judged: the judged rows
# keep the environment out, so that this machine's settings cannot change the requests.
CONTENDERS += tuple(
    dataclasses.replace(c, key=c.key.replace("token_", "env_"), group="env", default_session=True)
    for c in CONTENDERS
    if c.group == "token"
)

_CONTENDER = {c.key: c for c in CONTENDERS}

#: group -> table title, in print order.
GROUPS = {
    "token": "Round trip: client_credentials token request (local keep-alive server)",
    "introspect": "Round trip: token introspection (local keep-alive server)",
    "revoke": "Round trip: token revocation (local keep-alive server)",
    "env": "Round trip: client_credentials with default sessions (trust_env on; context)",
}
#: The oauth2kit row of each group, judged against the group's baseline.
TARGET_KEYS = {
    "token": "token_oauth2kit",
    "introspect": "introspect_oauth2kit",
    "revoke": "revoke_oauth2kit",
}
#: Groups whose oauth2kit feature may not exist yet: judged only once it is measured.
UPCOMING_GROUPS = frozenset({"introspect", "revoke"})


@dataclass
class Table:
    title: str
    rows: list[Row]
    ref: Row | None


def _session() -> requests.Session:
    session = requests.Session()
    # No environment proxies and no .netrc: this machine's settings cannot send the
    # requests elsewhere or change them. The same for every contender.
    session.trust_env = False
    return session


def _server_count(tool: requests.Session, base: str) -> int:
    count: int = tool.get(base + "/count", timeout=10).json()["requests"]
    return count


def _fail(row: Row, contender: Contender, exc: BaseException) -> None:
    """Mark a row that cannot be measured, saying why, in the words its kind calls for."""
    row.missing_kind = "NOT AVAILABLE YET" if contender.upcoming else "ERROR"
    row.missing = f"{type(exc).__name__}: {exc}".splitlines()[0][:120]


def _prepare(
    row: Row, contender: Contender, base: str, tool: requests.Session, warmup: int
) -> timeit.Timer | None:
    """Build and warm up one contender; None (with the row marked) if it cannot run."""
    if contender.needs and importlib.util.find_spec(contender.needs) is None:
        row.missing = f"{contender.needs} is not installed"
        return None
    try:
        session = requests.Session() if contender.default_session else _session()
        call = contender.build(base, session)
        before = _server_count(tool, base)
        result: object = None
        for _ in range(warmup):  # opens the connection, lets the interpreter specialise
            result = call()
        per_call = (_server_count(tool, base) - before) / warmup
    except Exception as exc:  # noqa: BLE001 - a broken contender is a row, not a crash
        _fail(row, contender, exc)
        return None
    if not contender.check(result):
        _fail(row, contender, ValueError(f"unexpected result {result!r}"))
        return None
    row.extra["req/call"] = f"{per_call:g}"
    # A compiled statement calls the contender directly.
    return timeit.Timer("f()", globals={"f": call})


def _targets(rows: dict[str, Row]) -> list[Target]:
    targets: list[Target] = []
    for group, key in TARGET_KEYS.items():
        row, base = rows[key], rows[f"{group}_baseline"]
        name = f"{row.label} round trip / baseline (medians)"
        expected = f"<= {TARGET_RATIO:.2f}"
        if row.stats is None and group in UPCOMING_GROUPS:
            continue  # the feature is not there yet (or could not be tried): nothing to judge
        if row.stats is None or base.stats is None:
            targets.append(Target(name, expected, "not measured", passed=False))
            continue
        value = row.stats.median / base.stats.median
        measured = (
            f"{value:.3f} ({row.stats.median * 1e6:.0f} us vs {base.stats.median * 1e6:.0f} us)"
        )
        # Judged on the paired estimate when there is one: the median of the per-round
        # ratios, each of two loops run back to back, so that drift in the machine's speed
        # (which moves both alike) cancels out instead of landing on one side.
        paired = row.extra.get("paired ratio")
        if isinstance(paired, float):
            measured += f"; paired estimate {paired:.3f} (judged)"
            value = paired
        targets.append(Target(name, expected, measured, passed=value <= TARGET_RATIO))
    return targets


def _measure(
    rows: dict[str, Row],
    timers: dict[str, timeit.Timer],
    connected: list[int],
    repeats: int,
    calls: int,
) -> tuple[dict[str, list[float]], dict[str, int]]:
    """The timed loops, interleaved: seconds per call of each repeat, and connections opened."""
    samples: dict[str, list[float]] = {key: [] for key in timers}
    connects = dict.fromkeys(timers, 0)
    for round_no in range(repeats):
        for key in rotated(list(timers), round_no):
            if key not in samples:
                continue  # failed in an earlier round
            before = connected[0]
            try:
                elapsed = timers[key].timeit(calls)
            except Exception as exc:  # noqa: BLE001 - the server went away, say
                _fail(rows[key], _CONTENDER[key], exc)
                del samples[key]
                continue
            connects[key] += connected[0] - before
            samples[key].append(elapsed / calls)
    return samples, connects


_NOTE_REQUESTS = (
    "req/call: requests the server received per call during the warm-up"
    " (1 when a contender neither retries nor sends extra requests)"
)
_NOTE_CONNECTIONS = "new conns: connections opened during the timed loops (0 when keep-alive held)"


def run(repeats: int, calls: int) -> tuple[list[Table], list[Target], list[str]]:
    """Time every contender: `repeats` interleaved rounds of `calls` calls each."""
    rows = {c.key: Row(c.key, c.label) for c in CONTENDERS}
    samples: dict[str, list[float]] = {}
    connects: dict[str, int] = {}
    try:
        with loopback_only() as connected, local_server() as base, _session() as tool:
            timers: dict[str, timeit.Timer] = {}
            for contender in CONTENDERS:
                timer = _prepare(rows[contender.key], contender, base, tool, max(10, calls // 4))
                if timer is not None:
                    timers[contender.key] = timer
            samples, connects = _measure(rows, timers, connected, repeats, calls)
    except ServerError as exc:
        for row in rows.values():
            row.missing_kind, row.missing = "ERROR", f"local server: {exc}"

    for key, values in samples.items():
        row = rows[key]
        row.stats = Stats.of(values)
        row.extra |= {"calls": calls, "new conns": connects[key]}
    for group, key in {**TARGET_KEYS, "env": "env_oauth2kit"}.items():
        mine, theirs = samples.get(key), samples.get(f"{group}_baseline")
        if mine and theirs and len(mine) == len(theirs):
            ratios = [a / b for a, b in zip(mine, theirs, strict=True)]
            rows[key].extra["paired ratio"] = round(statistics.median(ratios), 3)
    notes = [
        (
            f"each of the n repeats times {calls} calls in a row; median and min are of the"
            " per-call means of the repeats"
        ),
        _NOTE_REQUESTS,
        _NOTE_CONNECTIONS,
    ]
    if any(connects.values()):
        notes.append(
            "some sessions opened new connections during the timed loops: their times"
            " include connection set-up"
        )
    tables = [
        Table(title, group_rows, group_rows[0])
        for group, title in GROUPS.items()
        if (group_rows := [rows[c.key] for c in CONTENDERS if c.group == group])
    ]
    return tables, _targets(rows), notes
