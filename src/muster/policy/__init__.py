"""Decrees as code: rule files, their checks, and two evaluators with one semantics.

Pure: no database, no web. Conditions are SQL boolean expressions over the fields in
``fields.py``, parsed by SQLGlot and checked against a whitelist; ``engine.py`` evaluates a
decree version over a whole registry frame (Polars) or one person with an explanation.
"""
