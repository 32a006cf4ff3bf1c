"""What Planline hands to other systems: a plan's orders as ERP import files (``publication.erp_files``)."""
