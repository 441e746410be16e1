"""Shared helpers: statistics, fresh-interpreter runs, result records and table printing."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import timeit
from dataclasses import asdict, dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator, Sequence

T = TypeVar("T")

#: Environment variables that would change what a child measures; children never inherit them.
_CHILD_ENV_DROP = (
    "OAUTH2KIT_DISABLE_PLUGINS",  # set per case when a case needs it, never by accident
    "PYTHONPROFILEIMPORTTIME",
    "PYTHONDONTWRITEBYTECODE",  # without .pyc files every import would recompile
    "PYTHONVERBOSE",
    "PYTHONDEVMODE",
    "PYTHONTRACEMALLOC",
)


@dataclass(frozen=True)
class Stats:
    """Summary of repeated measurements, in seconds."""

    median: float
    min: float
    max: float
    n: int

    @classmethod
    def of(cls, values: Sequence[float]) -> Stats:
        return cls(statistics.median(values), min(values), max(values), len(values))


@dataclass
class Row:
    """One contender of one benchmark, as printed and saved."""

    key: str
    label: str
    stats: Stats | None = None
    #: Why there is no measurement (a peer that is not installed, a child that failed).
    missing: str | None = None
    #: The word printed before `missing`: MISSING (not installed, child failed), ERROR (the
    #: contender raised), NOT AVAILABLE YET (a feature that has not landed).
    missing_kind: str = "MISSING"
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Target:
    """A stated performance target and whether this run met it."""

    name: str
    expected: str
    measured: str
    passed: bool


def child_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _CHILD_ENV_DROP}
    env.update(extra or {})
    return env


@cache
def neutral_cwd() -> str:
    # Children run from an empty directory: with `python -c`, sys.path[0] is the current
    # directory, and the repository root there would let `oauth2kit` resolve differently
    # from how users get it (through the installed package), and add a directory to scan.
    return tempfile.mkdtemp(prefix="oauth2kit-bench-")


class ChildError(RuntimeError):
    """A measuring child process failed; the message carries the end of its stderr."""


def run_child(code: str, env_extra: dict[str, str] | None = None) -> dict[str, Any]:
    """Run `code` in a fresh interpreter; it must print one JSON object as its last line."""
    proc = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=False,
        cwd=neutral_cwd(),
        env=child_env(env_extra),
        timeout=60,
    )
    if proc.returncode != 0:
        tail = proc.stderr.strip().splitlines()[-1:] or [f"exit status {proc.returncode}"]
        raise ChildError(tail[0])
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def rotated(items: Sequence[T], round_no: int) -> list[T]:
    """`items` starting at a different one each round, so no contender always runs first."""
    k = round_no % len(items)
    return [*items[k:], *items[:k]]


def fmt_time(seconds: float) -> str:
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.2f} ms"
    if seconds >= 1e-6:
        return f"{seconds * 1e6:.2f} us"
    return f"{seconds * 1e9:.1f} ns"


def fmt_ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}x"


def ratio(row: Row, ref: Row | None) -> float | None:
    if row.stats is None or ref is None or ref.stats is None:
        return None
    return row.stats.median / ref.stats.median


def print_table(
    title: str, rows: Iterable[Row], ref: Row | None, extra_cols: Sequence[str] = ()
) -> None:
    """Print rows with median, min, n and the ratio of medians against `ref`."""
    header = ["contender", "median", "min", "n", f"vs {ref.key if ref else '-'}", *extra_cols]
    lines: list[list[str]] = []
    for row in rows:
        if row.stats is None:
            lines.append(
                [
                    row.label,
                    f"{row.missing_kind}: {row.missing}",
                    "",
                    "",
                    "",
                    *["" for _ in extra_cols],
                ]
            )
            continue
        lines.append(
            [
                row.label,
                fmt_time(row.stats.median),
                fmt_time(row.stats.min),
                str(row.stats.n),
                fmt_ratio(ratio(row, ref)),
                *[str(row.extra.get(col, "")) for col in extra_cols],
            ]
        )
    widths = [max(len(r[i]) for r in [header, *lines]) for i in range(len(header))]
    # A MISSING note may be wider than its column; let it overflow rather than widen the table.
    widths[1] = min(widths[1], 12)
    print(f"\n== {title}")
    print("  " + "  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip())
    for line in lines:
        print("  " + "  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip())


def to_jsonable(obj: Any) -> Any:
    if isinstance(obj, Row | Target | Stats):
        return asdict(obj)
    if isinstance(obj, list):
        return [to_jsonable(x) for x in obj]
    if isinstance(obj, dict):
        return {k: to_jsonable(v) for k, v in obj.items()}
    return obj


@dataclass(frozen=True)
class Job:
    """One contender measured in fresh interpreters: `reps` runs of `code`, after a warm-up."""

    key: str
    code: str
    reps: int
    env: dict[str, str] = field(default_factory=dict)


@dataclass
class ChildRuns:
    """The JSON outputs of a job's measured runs, or why it stopped."""

    outputs: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None


def measured_rows(
    rows: dict[str, Row], jobs: Sequence[Job]
) -> Iterator[tuple[Row, list[dict[str, Any]]]]:
    """Run `jobs`; yield each job's row with its outputs, marking rows whose child failed."""
    for key, runs in run_jobs(jobs).items():
        row = rows[key]
        if runs.error is not None or not runs.outputs:
            row.missing = runs.error or "no runs"
            continue
        yield row, runs.outputs


def run_jobs(jobs: Sequence[Job]) -> dict[str, ChildRuns]:
    """Run the jobs round-robin, one warm-up round first (thrown away).

    The warm-up fills the page cache and writes any missing .pyc files. Interleaving the
    contenders, in a rotating order, makes slow drift on a shared machine hit all alike.
    """
    runs = {job.key: ChildRuns() for job in jobs}
    for round_no in range(max(job.reps for job in jobs) + 1):
        for job in rotated(jobs, round_no):
            result = runs[job.key]
            if result.error is not None or round_no > job.reps:
                continue
            try:
                out = run_child(job.code, job.env)
            except ChildError as exc:
                result.error = f"child failed: {exc}"
                continue
            if round_no > 0:
                result.outputs.append(out)
    return runs


# --- in-process micro-benchmarks (a call timed against a floor) ---------------------------

Timed = tuple[timeit.Timer, int]


def sized_timer(call: Callable[[], object], repeat_s: float) -> Timed:
    """A warmed-up timer of `call`, and how many calls take about `repeat_s` seconds."""
    timer = timeit.Timer("c()", globals={"c": call})
    timer.timeit(200)  # warm-up: caches filled, the adaptive interpreter specialised
    number = 50
    while (elapsed := timer.timeit(number)) < repeat_s / 4:
        number *= 4
    return timer, max(50, int(number * repeat_s / elapsed))


def interleaved(timers: dict[str, Timed], repeats: int) -> dict[str, list[float]]:
    """Seconds per call of each timer, round after round: a noisy moment hits them all."""
    samples: dict[str, list[float]] = {key: [] for key in timers}
    for round_no in range(repeats):
        for key in rotated(list(timers), round_no):
            timer, number = timers[key]
            samples[key].append(timer.timeit(number) / number)
    return samples


def against_floor(row: Row, samples: list[float], floor: list[float]) -> None:
    """Set `row`'s stats, its paired ratio (median of per-round ratios) and ratio of medians."""
    row.stats = Stats.of(samples)
    ratios = [a / b for a, b in zip(samples, floor, strict=True)]
    row.extra["paired ratio"] = round(statistics.median(ratios), 3)
    row.extra["vs floor"] = round(row.stats.median / statistics.median(floor), 3)
