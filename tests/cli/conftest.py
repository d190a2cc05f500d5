"""Fixtures other domains' tests define, for the commands that drive those domains."""

from tests.cases.conftest import called

__all__ = ["called"]
