"""Planline's plain-Python core: demo data, forecasting and planning logic (no Dagster imports)."""
