"""An example third-party oauth2kit plugin for a made-up vendor, "Example Vendor"."""
