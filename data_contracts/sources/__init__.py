"""Contract definitions, one module per source system."""
