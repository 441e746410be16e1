"""Authorization requests and responses, PKCE and pushed authorization requests (``endpoint.*``)."""
