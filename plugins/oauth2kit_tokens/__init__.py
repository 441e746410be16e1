"""Built-in token type plugins."""
