"""Built-in grant types (entry points ``grant.*``)."""
