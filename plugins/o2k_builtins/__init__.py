"""oauth2kit's built-in plugins: one subpackage per family, one module (and entry point) each.

They are written exactly as a third-party plugin would be: against the public API of
``oauth2kit`` only. This namespace is their own, so that no third-party ``oauth2kit_<name>``
package can clash with it.
"""
