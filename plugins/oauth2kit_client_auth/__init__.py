"""Built-in client authentication plugins: one module, and one entry point, per method."""
