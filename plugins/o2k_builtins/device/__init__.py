"""The device authorization grant (RFC 8628), and the polling job it shares with CIBA."""
