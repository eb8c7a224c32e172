"""The local web app: the report's views live over the store, uploads, re-analysis, JSON API."""
