"""Planline's Dagster code location (``orchestration.definitions``) and the plain-Python pieces it wraps."""
