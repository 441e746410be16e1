"""Client-Initiated Backchannel Authentication (OpenID Connect CIBA Core 1.0), poll mode."""
