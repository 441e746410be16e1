"""Helpers for tests that hit one URL from many threads at once."""

from __future__ import annotations

import threading

import requests


def statuses_from_threads(url: str, auth: requests.auth.AuthBase, threads: int = 32) -> list[int]:
    """GET `url` with `auth` from `threads` threads released together; return the statuses."""
    barrier = threading.Barrier(threads)
    statuses: list[int] = []
    lock = threading.Lock()

    def call() -> None:
        barrier.wait()
        status = requests.get(url, auth=auth, timeout=10).status_code
        with lock:
            statuses.append(status)

    # Daemons: a thread stuck in a deadlock must fail the test, not hang pytest at exit.
    workers = [threading.Thread(target=call, daemon=True) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    return statuses
