"""Demand forecasting (SPEC section 5): accuracy metrics and the global LightGBM model."""
