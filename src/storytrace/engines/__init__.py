"""Engines schedule the pipeline's steps; they hold no analysis logic of their own."""
