"""Loading source exports into raw DuckDB tables (plain Python, no Dagster)."""
