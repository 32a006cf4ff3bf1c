"""What Planline shows people: the planners' cockpit (``reporting.cockpit``), built from the marts."""
