"""OpenID Connect built-in plugins."""
