"""Event intake: events as the bytes of a source's file (encoding), the fsynced log (log), and the
sealed segments folded into the landing folder (fold). Plain Python: no Dagster import."""
