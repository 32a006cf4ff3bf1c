"""Planline's live service: event intake, availability to the second and order promising (issue 18)."""
