"""Inventory planning (SPEC section 6): policies, classification, replenishment."""
