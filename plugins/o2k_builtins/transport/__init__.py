"""Built-in plugins of the requests transport."""
