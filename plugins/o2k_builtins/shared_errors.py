"""Exceptions that more than one built-in plugin raises.

Each is defined here, in a module that is no plugin, so that a plugin that raises it does
not import (and so load) the plugin that exports it: blocking that plugin keeps it
unimported. The exporting plugin is named on each class.
"""

from __future__ import annotations

from oauth2kit import InvalidParam

__all__ = ["MissingRefreshToken", "UnknownTokenType"]


class MissingRefreshToken(InvalidParam):
    """A refresh (or a refresh token's revocation) was asked for with a token that has none.

    Exported by ``grant.refresh_token``.
    """

    def __init__(self, token: object) -> None:
        super().__init__("the token does not contain a refresh_token")
        self.token = token


class UnknownTokenType(InvalidParam, TypeError):
    """A token type cannot be determined, or does not fit the token it describes.

    Attributes:
        token: the token it was asked about (never shown in the message).
        token_type: the type that was given, if any.

    Exported by ``grant.token_exchange``.
    """

    def __init__(self, message: str, token: object, token_type: str | None) -> None:
        super().__init__(message)
        self.token = token
        self.token_type = token_type
