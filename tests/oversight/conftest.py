"""Fixtures other domains' tests define: a drawn campaign with notices issued."""

from tests.cases.conftest import called

__all__ = ["called"]
