"""Screening: decrees stored with their versions, decisions for the whole registry, explained."""
