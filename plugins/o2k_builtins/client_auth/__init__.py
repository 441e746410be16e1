"""Built-in client authentication methods (entry points ``auth.*``)."""
