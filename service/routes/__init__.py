"""The service's routes, one module per concern: health, intake, availability, promising."""
