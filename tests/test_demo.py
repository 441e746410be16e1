"""examples/demo.py: it runs, and what it prints on stdout is its own story, without secrets."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "examples" / "demo.py"
# What the demo's clients send: none of it may be printed.
SECRETS = ("cc-basic-secret", "cc-post-secret", "example-vendor-secret")
# Lines that only the test server, npm, Node.js or Python's warnings would write.
NOT_THE_DEMOS = re.compile(
    r"WARNING|Warning:|oidc-provider|npm |READY |Unsupported runtime|devInteractions"
    r"|already parsed request body|Traceback"
)
# Access, refresh and ID tokens: JWTs, and the server's opaque tokens (43 base64url chars).
TOKEN_LIKE = re.compile(r"eyJ[\w-]+\.[\w-]+|[\w-]{40,}")


@pytest.fixture(scope="module")
def demo() -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key != "OAUTH2KIT_DISABLE_PLUGINS"}
    return subprocess.run(
        [sys.executable, str(DEMO)],
        capture_output=True, text=True, check=False, timeout=120, cwd=ROOT, env=env,
    )  # fmt: skip


def test_demo_succeeds(demo: subprocess.CompletedProcess[str]) -> None:
    assert 0 == demo.returncode, demo.stderr
    assert demo.stdout.endswith("\nDone.\n")


def test_demo_shows_client_credentials(demo: subprocess.CompletedProcess[str]) -> None:
    lines = demo.stdout.splitlines()
    assert "== Client credentials with client_secret_basic" in lines
    assert "  expires in 600 s; the access token is a JWT: True" in lines
    assert "  32 of 32 API calls succeeded" in lines
    assert "  token requests seen by the server: 1" in lines


def test_demo_shows_a_refresh(demo: subprocess.CompletedProcess[str]) -> None:
    lines = demo.stdout.splitlines()
    starts = [index for index, line in enumerate(lines) if line.startswith("== Refresh")]
    assert 1 == len(starts)
    story = lines[starts[0] : lines.index("", starts[0])]
    assert "    expires in 3600 s, scope 'openid api:read'" in story
    assert "    a new access token: True; the refresh token rotated: True" in story
    assert "  protected resource says: HTTP 200 (sub='alice')" in story
    assert "  the rotated-out refresh token is refused: InvalidGrant (invalid_grant)" in story


def test_demo_shows_the_user_flows(demo: subprocess.CompletedProcess[str]) -> None:
    lines = demo.stdout.splitlines()
    assert "  request: state, nonce and a S256 PKCE challenge" in lines
    validated = [line for line in lines if line.startswith("  its ID token, validated")]
    assert 1 == len(validated)
    assert "sub='alice', RS256 signed by key" in validated[0]
    assert "  polled before approval: AuthorizationPending (authorization_pending)" in lines
    assert "  issued_token_type: urn:ietf:params:oauth:token-type:access_token" in lines
    assert "  protected resource says: HTTP 200 (sub='carol')" in lines
    assert "  the resource server introspects the token: active=True" in lines
    assert "  the device revokes it: True" in lines
    assert "  introspected again: active=False" in lines
    approved = [line for line in lines if line.startswith("  approved")]
    assert 2 == len(approved)  # device flow and CIBA each end with a token
    assert all("BearerToken(access_token='***'" in line for line in approved)


def test_demo_shows_plugins_at_work(demo: subprocess.CompletedProcess[str]) -> None:
    lines = demo.stdout.splitlines()
    assert "  registered 'demo.trace_header': loaded" in lines
    # The header that the run-time plugin added, read back from the request as sent.
    assert "  the token request went out with X-Demo-Trace: demo-client_credentials" in lines
    assert "  the wrong word: InvalidGrant (invalid_grant)" in lines  # the example vendor plugin


def test_stdout_is_only_the_demos_story(demo: subprocess.CompletedProcess[str]) -> None:
    assert [] == [line for line in demo.stdout.splitlines() if NOT_THE_DEMOS.search(line)]
    # Every line is blank, a step heading, an indented result, or the first and last lines.
    assert [] == [
        line
        for line in demo.stdout.splitlines()
        if line
        and not line.startswith(("== ", "  "))
        and not line.startswith("Starting the test authorization server")
        and line != "Done."
    ]


def test_demo_prints_no_secret(demo: subprocess.CompletedProcess[str]) -> None:
    assert [] == [secret for secret in SECRETS if secret in demo.stdout + demo.stderr]
    assert [] == TOKEN_LIKE.findall(demo.stdout)
    assert "access_token='***'" in demo.stdout  # tokens are shown by their redacted repr
