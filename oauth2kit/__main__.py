"""``python -m oauth2kit``: the ``oauth2kit`` command line, wherever it is installed from.

The command itself is the console script that the distribution declares (the kernel names
no module of the built-in plugins): this runs the same entry point.
"""

import sys
from importlib.metadata import entry_points

(script,) = entry_points(group="console_scripts", name="oauth2kit")
sys.exit(script.load()())
