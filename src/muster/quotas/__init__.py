"""Quotas: the national target shared among regions by a published formula."""
