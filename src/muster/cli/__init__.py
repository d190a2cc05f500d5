"""The ``muster`` command: a thin layer over the domain services."""
