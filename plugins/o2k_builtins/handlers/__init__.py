"""Built-in requests auth handlers that obtain, cache and renew access tokens (``handler.*``)."""
