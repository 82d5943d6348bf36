"""ccctl: control plane of the call-center appliance."""

__version__ = "0.1.0"
