"""Metadata helpers shared by asset modules."""

import dagster as dg


def markdown_table(header: tuple[str, ...], rows) -> dg.MetadataValue:
    """A small markdown table for the UI's metadata panel."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(v).replace("|", "\\|") for v in row) + " |" for row in rows]
    return dg.MetadataValue.md("\n".join(lines))
