"""Ingest: read what users point at (files, pages, links, JSON lines) and turn it into clean, chunked article text."""
