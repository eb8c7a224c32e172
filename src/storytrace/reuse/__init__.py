"""Text reuse detection (placeholder until the reuse step lands)."""
