"""Built-in endpoint plugins."""
