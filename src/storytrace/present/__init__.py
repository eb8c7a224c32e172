"""Presentation: exports (JSONL/Parquet/CSV), the static HTML report and its SVG charts."""
