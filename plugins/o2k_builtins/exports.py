"""The static view of the public names that the built-in plugins export.

``oauth2kit/__init__.py`` imports this module under ``TYPE_CHECKING`` only, so that type
checkers and IDEs see ``from oauth2kit import OAuth2ClientCredentialsAuth`` and the like. At
run time those names resolve through the ``extensions`` registry, never through this module:
nothing imports it then. A test keeps it equal to what the built-ins register, so that a
new built-in adds its names here, in its own namespace, and never edits the kernel.
"""

from o2k_builtins.client_auth.client_secret_basic import ClientSecretBasic
from o2k_builtins.client_auth.client_secret_post import ClientSecretPost
from o2k_builtins.client_auth.public_app import PublicApp
from o2k_builtins.grants.refresh_token import MissingRefreshToken
from o2k_builtins.handlers.access_token import NonRenewableTokenError, OAuth2AccessTokenAuth
from o2k_builtins.handlers.client_credentials import OAuth2ClientCredentialsAuth
from o2k_builtins.oauth2.responses import AccessDenied, InvalidTarget, ServerError

__all__ = [
    "AccessDenied", "ClientSecretBasic", "ClientSecretPost", "InvalidTarget", "MissingRefreshToken",
    "NonRenewableTokenError", "OAuth2AccessTokenAuth", "OAuth2ClientCredentialsAuth", "PublicApp",
    "ServerError",
]  # fmt: skip
