"""Helpers for tests of auth handlers in a forked child process."""

from __future__ import annotations

import os
import signal
import time
import warnings

import requests


def prepared() -> requests.PreparedRequest:
    """A request to a resource server, prepared and never sent."""
    return requests.Request("GET", "https://rs.example/").prepare()


def request_in_a_child(auth: requests.auth.AuthBase, timeout: float) -> tuple[int, int | None, str]:
    """Fork; in the child, apply `auth` to a request and report its header or its error.

    Returns:
        The child's pid, its exit code (None if it had not exited after `timeout` and was
        killed), and its report.
    """
    read_end, write_end = os.pipe()
    with warnings.catch_warnings():
        # Python 3.12+ warns that forking a process with threads may deadlock the child:
        # that is what these tests are about.
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid == 0:  # the child: report, then leave at once, without pytest's teardown
        status, report = 1, "nothing"
        try:
            os.close(read_end)
            signal.alarm(int(timeout) * 2)  # should the parent be gone
            report = auth(prepared()).headers["Authorization"]
            status = 0
        except BaseException as exc:  # noqa: BLE001 - reported to the parent
            report = f"{type(exc).__name__}: {exc}"
        finally:
            os.write(write_end, report.encode())
            os._exit(status)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        code = wait_for_child(pid, timeout)
        return pid, code, pipe.read().decode(errors="replace")


def wait_for_child(pid: int, timeout: float) -> int | None:
    """The exit code of child `pid`, or None if it had not exited after `timeout` (killed)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        time.sleep(0.02)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    return None
