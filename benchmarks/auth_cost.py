"""Per-request cost of auth handlers holding a cached, valid token (in this process)."""

from __future__ import annotations

import contextlib
import functools
import time
import timeit
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import requests
import requests.auth
from _common import Row, Stats, Target, rotated

if TYPE_CHECKING:
    from collections.abc import Iterator

TARGET_RATIO = 1.5
TOKEN = "tok-" + "x" * 40  # a realistic length, not a one-character header value
TOKEN_ENDPOINT = "https://as.example/token"
RESOURCE_URL = "https://rs.example/api/items?page=2"

Handler = Callable[[requests.PreparedRequest], requests.PreparedRequest]


class BaselineAuth(requests.auth.AuthBase):
    """The floor: set the Authorization header (value built once) and return the request."""

    def __init__(self, token: str) -> None:
        self.value = f"Bearer {token}"

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        r.headers["Authorization"] = self.value
        return r


class ExpiryCheckingAuth(BaselineAuth):
    """Context only: the baseline plus the one clock read any expiry-honouring handler needs."""

    def __init__(self, token: str) -> None:
        super().__init__(token)
        self.deadline = time.time() + 3600

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        if time.time() > self.deadline:
            raise RuntimeError("expired")
        r.headers["Authorization"] = self.value
        return r


def _oauth2kit_bearer() -> Handler:
    from oauth2kit import BearerToken  # noqa: PLC0415 - each contender imports its own library

    return BearerToken(TOKEN, expires_in=3600)


def _oauth2kit_cc() -> Handler:
    import oauth2kit  # noqa: PLC0415

    client = oauth2kit.OAuth2Client(TOKEN_ENDPOINT, client_id="c", client_secret="s")
    token = oauth2kit.BearerToken(TOKEN, expires_in=3600)
    handler: Handler = oauth2kit.OAuth2ClientCredentialsAuth(client, token=token)
    return handler


def _rqo2c_bearer() -> Handler:
    import requests_oauth2client as r  # noqa: PLC0415

    handler: Handler = r.BearerToken(TOKEN, expires_in=3600)
    return handler


def _rqo2c_cc() -> Handler:
    import requests_oauth2client as r  # noqa: PLC0415

    client = r.OAuth2Client(token_endpoint=TOKEN_ENDPOINT, client_id="c", client_secret="s")
    handler: Handler = r.OAuth2ClientCredentialsAuth(
        client, token=r.BearerToken(TOKEN, expires_in=3600)
    )
    return handler


def _authlib() -> Handler:
    from authlib.integrations.requests_client import OAuth2Auth  # noqa: PLC0415

    token = {"access_token": TOKEN, "token_type": "Bearer", "expires_at": int(time.time()) + 3600}
    handler: Handler = OAuth2Auth(token)
    return handler


# key, label, factory; the first is the reference for ratios.
CONTENDERS: tuple[tuple[str, str, Callable[[], Handler]], ...] = (
    ("baseline", "baseline (sets header only)", lambda: BaselineAuth(TOKEN)),
    ("baseline_expiry", "context: baseline + expiry check", lambda: ExpiryCheckingAuth(TOKEN)),
    ("oauth2kit_bearer", "oauth2kit BearerToken", _oauth2kit_bearer),
    ("oauth2kit_cc", "oauth2kit OAuth2ClientCredentialsAuth", _oauth2kit_cc),
    ("rqo2c_bearer", "requests_oauth2client BearerToken", _rqo2c_bearer),
    ("rqo2c_cc", "requests_oauth2client OAuth2ClientCredentialsAuth", _rqo2c_cc),
    ("authlib", "authlib OAuth2Auth", _authlib),
)
OAUTH2KIT_KEYS = ("oauth2kit_bearer", "oauth2kit_cc")


@contextlib.contextmanager
def count_pluggy_calls() -> Iterator[list[int]]:
    """Count every pluggy hook call (plain, historic, call_extra) while the block runs.

    Patching the class catches all hook callers, including the subset callers that
    per-client plugin blocking uses; a probe call proves the counter is live.
    """
    try:
        import pluggy  # noqa: PLC0415 - only oauth2kit's plugin host needs it
    except ImportError:
        yield [0]
        return
    counter = [0]
    cls: Any = pluggy.HookCaller
    originals = {name: getattr(cls, name) for name in ("__call__", "call_historic", "call_extra")}

    def counting(original: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(original)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            counter[0] += 1
            return original(*args, **kwargs)

        return wrapper

    for name, original in originals.items():
        setattr(cls, name, counting(original))
    try:
        probe = pluggy.PluginManager(_PROBE)
        probe.add_hookspecs(_probe_spec(pluggy.HookspecMarker(_PROBE)))
        probe.hook.probe()
        if counter[0] != 1:
            msg = "the pluggy call counter does not see hook calls"
            raise RuntimeError(msg)
        counter[0] = 0
        yield counter
    finally:
        for name, original in originals.items():
            setattr(cls, name, original)


_PROBE = "oauth2kit_bench_probe"


def _probe_spec(marker: Callable[[Callable[..., None]], Callable[..., None]]) -> type:
    """A hook spec class whose only use is checking that the counter sees calls."""

    class ProbeSpec:
        @marker
        def probe(self) -> None: ...

    return ProbeSpec


def _calibrate(stmt: timeit.Timer, target_s: float) -> int:
    """Loops per repeat so that one repeat lasts about `target_s`."""
    number = 1000
    while True:
        elapsed = stmt.timeit(number)
        if elapsed >= target_s / 4:
            return max(1000, int(number * target_s / elapsed))
        number *= 4


def _prepare(
    row: Row, factory: Callable[[], Handler], repeat_s: float
) -> tuple[timeit.Timer, int] | None:
    """Build one contender's handler and timer; None (with `row.missing` set) if it cannot run."""
    try:
        handler = factory()
    except ModuleNotFoundError as exc:
        row.missing = f"not installed ({exc.name})"
        return None
    except Exception as exc:  # noqa: BLE001 - a broken contender is a row, not a crash
        row.missing_kind = "ERROR"
        row.missing = f"{type(exc).__name__}: {exc}".splitlines()[0][:120]
        return None
    # One request per contender, built the same way and reused: each call overwrites the
    # same header, and no contender sees another's leftovers.
    req = requests.Request("GET", RESOURCE_URL).prepare()
    header = handler(req).headers.get("Authorization")
    if header != f"Bearer {TOKEN}":
        row.missing = f"wrong header: {header!r}"
        return None
    # A compiled statement calls the handler directly: no lambda frame in the loop.
    timer = timeit.Timer("h(r)", globals={"h": handler, "r": req})
    timer.timeit(2000)  # warm-up, so the adaptive interpreter has specialised the code
    return timer, _calibrate(timer, repeat_s)


def _targets(rows: list[Row], hook_calls: int) -> list[Target]:
    base = rows[0]
    targets: list[Target] = []
    for row in rows:
        if row.key not in OAUTH2KIT_KEYS:
            continue
        name = f"{row.label} / baseline (medians)"
        expected = f"<= {TARGET_RATIO:.2f}"
        if row.stats is None or base.stats is None:
            targets.append(Target(name, expected, "not measured", passed=False))
            continue
        value = row.stats.median / base.stats.median
        measured = (
            f"{value:.2f} ({row.stats.median * 1e9:.0f} ns vs {base.stats.median * 1e9:.0f} ns)"
        )
        targets.append(Target(name, expected, measured, passed=value <= TARGET_RATIO))
    targets.append(
        Target(
            "pluggy hook calls during the timed loops",
            "0",
            str(hook_calls),
            passed=hook_calls == 0,
        )
    )
    return targets


def run(repeats: int, repeat_s: float) -> tuple[list[Row], list[Target]]:
    rows = [Row(key, label) for key, label, _ in CONTENDERS]
    timers: dict[str, tuple[timeit.Timer, int]] = {}
    for row, (_, _, factory) in zip(rows, CONTENDERS, strict=True):
        prepared = _prepare(row, factory, repeat_s)
        if prepared is not None:
            timers[row.key] = prepared

    samples: dict[str, list[float]] = {key: [] for key in timers}
    keys = list(timers)
    with count_pluggy_calls() as hook_calls:
        # Repeats are interleaved across contenders, so a noisy moment is shared.
        for round_no in range(repeats):
            for key in rotated(keys, round_no):
                timer, number = timers[key]
                samples[key].append(timer.timeit(number) / number)

    for row in rows:
        if row.key in samples:
            row.stats = Stats.of(samples[row.key])
            row.extra = {"loops": timers[row.key][1]}
    return rows, _targets(rows, hook_calls[0])
