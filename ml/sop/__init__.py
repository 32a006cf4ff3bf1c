"""Sales and operations planning (SPEC section 7): supply review, balancing, scenarios, gap report."""
