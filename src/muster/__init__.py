"""Muster: administers a partial mobilization under the rule of law."""

__version__ = "0.1.0"
