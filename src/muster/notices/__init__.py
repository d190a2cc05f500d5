"""Notices: the document a person is served, its verification, delivery and the office load."""
