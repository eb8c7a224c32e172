"""Event clustering (placeholder until the events step lands)."""
