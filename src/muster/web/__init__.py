"""The web: the HTTP API under ``/api/v1``, staff and citizen pages, and the public pages."""
