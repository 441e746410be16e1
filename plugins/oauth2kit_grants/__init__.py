"""Built-in grant type plugins: one module, and one entry point, per grant."""
