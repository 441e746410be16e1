"""The table of built-in plugins: entry-point name -> module.

It mirrors the ``oauth2kit.plugins`` entry points in pyproject.toml (a test keeps the two
identical) and serves a bare source checkout, where no entry points are installed.
"""

from __future__ import annotations

__all__ = ["BUILTIN_PLUGINS", "DISTRIBUTION"]

DISTRIBUTION = "oauth2kit"
"""The distribution that ships the built-ins."""

BUILTIN_PLUGINS: dict[str, str] = {
    "auth.client_secret_basic": "oauth2kit_client_auth.client_secret_basic",
    "auth.client_secret_post": "oauth2kit_client_auth.client_secret_post",
    "auth.none": "oauth2kit_client_auth.public_app",
    "grant.client_credentials": "oauth2kit_grants.client_credentials",
    "grant.refresh_token": "oauth2kit_grants.refresh_token",
    "handler.access_token": "oauth2kit_handlers.access_token",
    "handler.client_credentials": "oauth2kit_handlers.client_credentials",
    "parse.oauth2": "oauth2kit_oauth2.responses",
    "token.bearer": "oauth2kit_tokens.bearer",
}
