"""``python -m oauth2kit``: the ``oauth2kit`` command line, wherever it is installed from.

The command itself is the console script that the distribution declares (the kernel names
no module of the built-in plugins): this runs the same entry point.
"""

import sys
from importlib.metadata import entry_points

scripts = list(entry_points(group="console_scripts", name="oauth2kit"))
if not scripts:
    sys.exit("oauth2kit: the command line is not installed (no 'oauth2kit' console script)")
sys.exit(scripts[0].load()())  # the first, like the console script a shell would find
