"""``python -m oauth2kit``: the command-line entry point."""

from oauth2kit._cli import main

raise SystemExit(main())
