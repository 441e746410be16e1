"""The standard OAuth 2.0 response and error parsing, as a plugin any other can override."""
