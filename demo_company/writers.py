"""Write export tables to the landing folder in each system's file format.

Lines are formatted once per table, vectorized, then sliced per file: the demo company has
thousands of small POS files, and a formatter call per file would dominate generation time.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

# system -> (format, field separator)
FORMATS = {"erp": ("csv", ";"), "pos": ("csv", ","), "planning": ("csv", ","), "wms": ("jsonl", None), "oms": ("jsonl", None)}


def ordered_rows(table: pd.DataFrame, by_export_time: bool) -> pd.DataFrame:
    """Final file order and 1-based row numbers (data rows; the CSV header is not counted)."""
    keys = ["file", "exported_at", "_order"] if by_export_time else ["file", "_order"]
    out = table.sort_values(keys, kind="stable").reset_index(drop=True)
    out["_row_number"] = out.groupby("file", sort=False).cumcount() + 1
    return out


def _csv_lines(frame: pd.DataFrame, columns: list[str], sep: str) -> np.ndarray:
    special = re.compile(f'[{re.escape(sep)}"\\n]')
    texts = []
    for column in columns:
        values = frame[column].astype(object)
        text = values.where(values.notna(), "").astype(str)
        quote = text.str.contains(special)
        if quote.any():
            text = text.where(~quote, '"' + text.str.replace('"', '""') + '"')
        texts.append(text)
    return texts[0].str.cat(texts[1:], sep=sep).to_numpy(dtype=object)


def _jsonl_lines(frame: pd.DataFrame, columns: list[str]) -> np.ndarray:
    text = frame[columns].to_json(orient="records", lines=True, force_ascii=False)
    return np.array(text.rstrip("\n").split("\n"), dtype=object)


def write_table(table: pd.DataFrame, landing: Path, system: str, chunk_rows: int = 500_000) -> None:
    """Write every file of ``table`` (already in file order, see ``ordered_rows``).

    Lines are formatted for about ``chunk_rows`` rows at a time (whole files), bounding memory.
    """
    fmt, sep = FORMATS[system]
    columns = [c for c in table.columns if not c.startswith("_") and c != "file"]
    header = [sep.join(columns)] if fmt == "csv" else []
    files = table.file.to_numpy()
    bounds = np.flatnonzero(files[1:] != files[:-1]) + 1
    starts, ends = np.r_[0, bounds], np.r_[bounds, len(files)]
    created: set[Path] = set()
    first = 0
    while first < len(starts):
        last = max(first, int(np.searchsorted(ends, ends[first] - 1 + chunk_rows, side="right")) - 1)  # whole files
        rows = table.iloc[starts[first] : ends[last]]
        lines = _csv_lines(rows, columns, sep) if fmt == "csv" else _jsonl_lines(rows, columns)
        offset = starts[first]
        for start, end in zip(starts[first : last + 1], ends[first : last + 1]):  # one iteration per file
            path = landing / files[start]
            if path.parent not in created:
                path.parent.mkdir(parents=True, exist_ok=True)
                created.add(path.parent)
            path.write_text("\n".join(header + lines[start - offset : end - offset].tolist()) + "\n", encoding="utf-8")
        first = last + 1


def corrupt(path: Path, how: str) -> None:
    """Turn a written file into one a parser must reject whole."""
    data = path.read_bytes()
    if how == "truncated":  # the export stopped mid-record
        cut = data.rfind(b"\n", 0, len(data) // 2) + 25
        path.write_bytes(data[:cut])
    elif how == "nul_bytes":  # a failed transfer padded the file with NUL bytes
        half = data.find(b"\n", len(data) // 2) + 1
        path.write_bytes(data[:half] + b"\x00" * 512 + data[half:])
    else:
        raise ValueError(f"unknown corruption {how!r}")
