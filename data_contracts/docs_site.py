"""Make the generated data docs readable offline and explain the quarantine beside them.

GX's page templates load Bootstrap, jQuery and bootstrap-table (which draws every table, the
index's too) from public CDNs: offline the pages were unstyled and the index empty. The same
files, at the versions GX's templates name, ship in ``docs_static/vendor`` (MIT licensed, see the
LICENSE files there) and are copied into the site; every CDN link is pointed at them or, for
what the pages do not need (Vega charts, date pickers, Font Awesome: ``planline.css`` draws the
few icons GX uses), removed. No page refers to a remote script or stylesheet afterwards.
"""

from __future__ import annotations

import html
import os
import re
import shutil
from pathlib import Path

import duckdb

from data_contracts.frame import QUARANTINE_TABLE
from data_contracts.registry import CONTRACTS
from data_contracts.suites import plain_words

STATIC = Path(__file__).parent / "docs_static"
QUARANTINE_PAGE = "quarantine.html"
# Where a CDN file goes (by the end of its address); a remote file not listed is removed.
LOCAL_FILES = {
    r"/bootstrap-table(\.min)?\.css$": "bootstrap-table.min.css",
    r"/bootstrap(\.min)?\.css$": "bootstrap.min.css",
    r"/jquery[-.0-9]*(\.min)?\.js$": "jquery.min.js",
    r"/bootstrap(\.min)?\.js$": "bootstrap.bundle.min.js",  # Popper included: popper.js is dropped
    r"/bootstrap-table(\.min)?\.js$": "bootstrap-table.min.js",
}
_REMOTE_TAG = re.compile(r"""<link\b[^>]*\bhref=["'](https?:)?//[^"']*["'][^>]*>|<script\b[^>]*\bsrc=["'](https?:)?//[^"']*["'][^>]*>\s*</script>""", re.I)
_ADDRESS = re.compile(r"""(?:href|src)=["']([^"']+)["']""", re.I)
_REMOTE_LOGO = re.compile(r"""src=["']https://great-expectations-web-assets[^"']*["']""")
_FAVICON = re.compile(r"""href=["'][^"']*favicon\.ico["']""")  # GX's is one level short on validation pages
# filter controls need a bootstrap-table extension and a date picker the pages do without
_CLEAR_FILTERS = re.compile(r"<button[^>]*clearTableFilters[^>]*>.*?</button>", re.S)
_NEWSLETTER = re.compile(r"<footer>\s*<p>Stay current on everything GX.*?</footer>", re.S)


def _local_tag(tag: str, static: str) -> str:
    address = _ADDRESS.search(tag).group(1)
    for pattern, name in LOCAL_FILES.items():
        if re.search(pattern, address.split("?")[0]):
            if name.endswith(".css"):
                return f'<link rel="stylesheet" href="{static}/vendor/{name}">'
            return f'<script src="{static}/vendor/{name}"></script>'
    return ""


def make_offline(site: Path) -> None:
    """Copy the vendored files into ``site/static`` and point every page at them."""
    shutil.copytree(STATIC, site / "static", dirs_exist_ok=True)
    for page in site.rglob("*.html"):
        static = Path(os.path.relpath(site / "static", page.parent)).as_posix()
        text = page.read_text(encoding="utf-8")
        text = _REMOTE_TAG.sub(lambda m, static=static: _local_tag(m.group(0), static), text)
        text = _REMOTE_LOGO.sub(f'src="{static}/images/logo-long.png"', text)
        text = _FAVICON.sub(f'href="{static}/images/favicon.ico"', text)
        text = _CLEAR_FILTERS.sub("", text)
        text = _NEWSLETTER.sub("", text)
        text = text.replace("</head>", f'<link rel="stylesheet" href="{static}/planline.css">\n</head>', 1)
        page.write_text(text, encoding="utf-8")


def quarantine_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Quarantined rows per source (empty without a quarantine table)."""
    if not has_quarantine(con):
        return {}
    return dict(con.execute(f"SELECT source, count(DISTINCT (source_file, row_number)) FROM {QUARANTINE_TABLE} GROUP BY source").fetchall())


def has_quarantine(con: duckdb.DuckDBPyConnection) -> bool:
    schema, table = QUARANTINE_TABLE.split(".")
    return bool(con.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?", [schema, table]).fetchone()[0])


def add_quarantine_notes(site: Path, rows: dict[str, int], quarantined: dict[str, int]) -> None:
    """Say beside the index and each validation whose verdict it is and what is held back."""
    index = site / "index.html"
    held = sum(quarantined.values())
    note = (
        '<div class="alert alert-info planline-note">Each validation below is the one the pipeline ran, in SQL, on the '
        f"source's raw table: an expectation fails where its rule held rows back. The {held:,} rows held back are listed by "
        f'source and rule, with their files, rows and reasons, in <a href="{QUARANTINE_PAGE}">the quarantine</a>.</div>'
    )
    _insert_note(index, note)
    for source, table_rows in rows.items():
        held = quarantined.get(source, 0)
        for page in (site / "validations" / f"{source}_contract").rglob("*.html"):
            link = Path(os.path.relpath(site / QUARANTINE_PAGE, page.parent)).as_posix()
            note = (
                f'<div class="alert alert-info planline-note">The pipeline\'s validation of the {table_rows:,} rows of {source}: '
                f'{held:,} are held back in <a href="{link}#{source}">the quarantine</a>, each with its file, row and the rule '
                f"it broke; the other {table_rows - held:,} flowed on.</div>"
            )
            _insert_note(page, note)


def _insert_note(page: Path, note: str) -> None:
    text = page.read_text(encoding="utf-8")
    marker = '<div class="container-fluid'
    if marker in text:  # above the page's content, under the navigation bar
        text = text.replace(marker, f'<div class="container-fluid pt-3 pl-5 pr-5">{note}</div>\n{marker}', 1)
        page.write_text(text, encoding="utf-8")


def write_quarantine_page(con: duckdb.DuckDBPyConnection, site: Path, rows: dict[str, int], examples: int = 5) -> Path:
    """``quarantine.html``: per source (``rows``: its raw table's rows), the rows that flowed on and
    those held back; per rule broken, its plain words, how many rows broke it and a few of them
    (file, row, value, reason)."""
    findings: dict[str, list[tuple]] = {}
    samples: dict[tuple, list[tuple]] = {}
    if has_quarantine(con):
        for source, rule, column, count in con.execute(
            f"""SELECT source, rule, column_name, count(DISTINCT (source_file, row_number)) FROM {QUARANTINE_TABLE}
                GROUP BY ALL ORDER BY 1, 4 DESC, 2, 3"""
        ).fetchall():
            findings.setdefault(source, []).append((rule, column, count))
        for source, rule, column, file, row, value, reason in con.execute(
            f"""SELECT source, rule, column_name, source_file, row_number, bad_value, reason FROM {QUARANTINE_TABLE}
                QUALIFY row_number() OVER (PARTITION BY source, rule, column_name ORDER BY source_file, row_number) <= $examples
                ORDER BY source_file, row_number""",
            {"examples": examples},
        ).fetchall():
            samples.setdefault((source, rule, column), []).append((file, row, value, reason))
    quarantined = quarantine_counts(con)
    summary = "".join(
        f"<tr><td>{_source_link(source, quarantined)}</td><td>{rows[source] - quarantined.get(source, 0):,}</td><td>{quarantined.get(source, 0):,}</td></tr>"
        if source in rows
        else ""
        for source in CONTRACTS
    )
    sections = "".join(
        _source_section(source, rows.get(source, 0) - quarantined[source], quarantined[source], findings.get(source, []), samples)
        for source in CONTRACTS
        if source in quarantined
    )
    body = (
        '<nav class="navbar border-bottom"><a href="index.html">&larr; Data docs</a></nav>'
        '<div class="container-fluid pt-4 pb-4 pl-5 pr-5"><h1 class="h3">Quarantine</h1>'
        f"<p>{sum(quarantined.values()):,} rows of the raw tables broke a contract rule and are held back in "
        "<code>governance.quarantine</code>, each with its file, row and a reason to act on; they flow on once the "
        "source system sends them corrected. Each source's validation in the data docs counts them under the expectations they broke.</p>"
        '<table class="table table-sm table-bordered w-auto"><thead><tr><th>source</th><th>rows that flowed on</th>'
        f"<th>rows held back</th></tr></thead><tbody>{summary}</tbody></table>{sections}</div>"
    )
    page = site / QUARANTINE_PAGE
    page.write_text(
        '<!DOCTYPE html><html><head><meta charset="UTF-8"><title>Quarantine</title>'
        '<link rel="stylesheet" href="static/vendor/bootstrap.min.css"><link rel="stylesheet" href="static/planline.css">'
        f"</head><body>{body}</body></html>",
        encoding="utf-8",
    )
    return page


def _source_link(source: str, quarantined: dict[str, int]) -> str:
    return f'<a href="#{source}">{source}</a>' if source in quarantined else source


def _source_section(source: str, flowed: int, held: int, findings: list[tuple], samples: dict) -> str:
    """A source's rules broken, each with the words of the contract rule (name and column)."""
    words = {(rule.name, rule.column): plain_words(rule) for rule in CONTRACTS[source].row_rules}
    items = "".join(_finding_row(rule, count, words.get((rule, column), rule), samples.get((source, rule, column), [])) for rule, column, count in findings)
    return (
        f'<h2 class="h5 mt-4" id="{source}">{source}</h2><p>{flowed:,} rows flowed on; {held:,} held back. '
        "A row that broke several rules is listed under each.</p>"
        '<table class="table table-sm table-bordered"><thead><tr><th>rule</th><th>rows</th><th>a valid row</th>'
        f"<th>examples (file, row, value: reason)</th></tr></thead><tbody>{items}</tbody></table>"
    )


def _finding_row(rule: str, count: int, words: str, examples: list[tuple]) -> str:
    shown = "".join(
        f"<li><code>{html.escape(str(file))}</code> row {row}"
        + (f", <code>{html.escape(value)}</code>" if value is not None else "")
        + f": {html.escape(reason)}</li>"
        for file, row, value, reason in examples
    )
    more = f"<li>… and {count - len(examples):,} more</li>" if count > len(examples) else ""
    return f"<tr><td class='text-nowrap'>{html.escape(rule)}</td><td>{count:,}</td><td>{html.escape(words)}</td><td><ul class='mb-0 pl-3'>{shown}{more}</ul></td></tr>"
