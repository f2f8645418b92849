"""Sincerity: a platform for public personal credit information (GBF (2016) No. 98)."""

__version__ = "0.1.0"
