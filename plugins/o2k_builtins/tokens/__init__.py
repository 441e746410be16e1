"""Built-in token types (entry points ``token.*``)."""
