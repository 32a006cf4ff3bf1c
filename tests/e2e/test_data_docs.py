"""The Great Expectations data docs (``make contracts-docs``) on the tiny company: readable offline,
rules in plain words, each source's validation the pipeline's verdict with the quarantine beside it."""

from __future__ import annotations

import html
import json
import re
import shutil
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from data_contracts import CONTRACTS
from data_contracts.docs import RUN_NAME, build_data_docs
from data_contracts.row_problems import PARSE_RULE
from data_contracts.suites import FRESHNESS_RULE, SCHEMA_RULE, plain_words
from data_contracts.validate import ensure_governance_schema, validate_source, write_quarantine
from tests.browser import Browser, BrowserError
from tests.demo_sources import load_demo_source
from tests.unit.test_contracts import load_order

AS_OF = datetime(2026, 9, 30, 23, 59, 59)
_RESOURCE = re.compile(r"""<(?:link|script|img)\b[^>]*?\b(?:href|src)=["']([^"']*)["']""", re.I)


@pytest.fixture(scope="module")
def docs(tiny_landing, tmp_path_factory) -> dict:
    """The tiny company loaded and validated as the raw assets do (quarantine written), then the docs."""
    root = tmp_path_factory.mktemp("data_docs")
    landing = shutil.copytree(tiny_landing[0], root / "landing")  # loading moves unparseable files away
    warehouse = root / "warehouse.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        ensure_governance_schema(con)
        for source in load_order():
            load_demo_source(con, CONTRACTS[source], landing, root / "rejected", AS_OF)
            write_quarantine(con, validate_source(con, source, AS_OF))
        raw = {source: con.execute(f"SELECT count(*) FROM raw.{source}").fetchone()[0] for source in CONTRACTS}
        held = dict(con.execute("SELECT source, count(DISTINCT (source_file, row_number)) FROM governance.quarantine GROUP BY ALL").fetchall())
        by_rule = con.execute("SELECT source, rule, column_name, count(*), list(bad_value) FROM governance.quarantine GROUP BY ALL").fetchall()
    index = build_data_docs(warehouse, root / "gx", AS_OF)
    by_rule = {(source, rule, column): (rows, values) for source, rule, column, rows, values in by_rule}
    return {"index": index, "site": index.parent, "gx": root / "gx" / "gx", "raw": raw, "held": held, "by_rule": by_rule}


def _text(page: Path) -> str:
    """What a reader sees of a page: its text without scripts, tags or entities."""
    body = re.sub(r"<script.*?</script>", " ", page.read_text(encoding="utf-8"), flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", body)))


def test_every_page_loads_only_local_files(docs):
    pages = list(docs["site"].rglob("*.html"))
    assert len(pages) >= 2 * len(CONTRACTS) + 2  # suites, validations, index, quarantine
    for page in pages:
        addresses = _RESOURCE.findall(page.read_text(encoding="utf-8"))
        remote = [a for a in addresses if re.match(r"(https?:)?//", a)]
        assert not remote, f"{page.name} loads {remote}"
        missing = [a for a in addresses if not a.startswith("data:") and not (page.parent / a.split("?")[0]).is_file()]
        assert not missing, f"{page.name} refers to missing files {missing}"
    assert (docs["site"] / "static" / "vendor" / "bootstrap.min.css").stat().st_size > 100_000


def test_suites_state_every_rule_in_plain_words(docs):
    for source, contract in CONTRACTS.items():
        text = _text(docs["site"] / "expectations" / f"{source}_contract.html")
        assert "_bad_" not in text and "_duplicate_of" not in text, source
        helpers = [rule.column for rule in contract.row_rules if rule.column.startswith("_")]
        assert not [h for h in helpers if re.search(rf"(?<![\w']){h}\b", text)], source  # no heading names a helper column
        missing = [rule.name for rule in contract.row_rules if plain_words(rule) not in text]
        assert not missing, f"{source}: rules not stated in plain words: {missing}"


def test_each_validation_is_the_pipelines_verdict(docs):
    """A rule's expectation fails exactly when the pipeline held rows back under it, with their
    count and values; no data is evaluated a second time."""
    results = {p.parts[-4].removesuffix("_contract"): json.loads(p.read_text()) for p in (docs["gx"] / "uncommitted" / "validations").rglob("*.json")}
    assert set(results) == set(CONTRACTS)  # one validation per source: earlier builds' are not kept
    assert sum(docs["held"].values()) >= 20  # the tiny company's deliberate defects are in quarantine
    reported = set()
    for source, result in results.items():
        assert result["meta"]["run_id"]["run_name"] == RUN_NAME
        for outcome in result["results"]:
            meta, found = outcome["expectation_config"]["meta"], outcome["result"]
            if meta["rule"] in (SCHEMA_RULE, FRESHNESS_RULE):
                assert meta["rule"] == FRESHNESS_RULE or outcome["success"], f"{source}: {found}"
                continue
            key = (source, meta["rule"], outcome["expectation_config"]["kwargs"]["column"])
            rows, values = docs["by_rule"].get(key, (0, []))
            assert outcome["success"] == (rows == 0) and found["unexpected_count"] == rows, key
            assert found["element_count"] == docs["raw"][source]
            shown = found["partial_unexpected_counts"]  # the most frequent values held back, with their counts
            assert len(shown) == min(len(set(values)), 20) and all(v["count"] == values.count(v["value"]) for v in shown), key
            reported |= {key} if rows else set()
    # every rule that held a row back is reported by its expectation (a malformed row has a rule of its own)
    assert reported == {key for key in docs["by_rule"] if key[1] != PARSE_RULE}
    quarantine = _text(docs["site"] / "quarantine.html")
    for source, held in docs["held"].items():
        flowed = docs["raw"][source] - held
        assert f"{source} {flowed:,} {held:,}" in quarantine  # the summary table's row
        page = next((docs["site"] / "validations" / f"{source}_contract").rglob("*.html"))
        assert f"The pipeline's validation of the {docs['raw'][source]:,} rows of {source}: {held:,} are held back" in _text(page)


def test_index_and_pages_render_offline_in_chromium(docs, tmp_path):
    site = docs["site"]
    validation = next((site / "validations" / "pos_sales_contract").rglob("*.html"))
    try:
        with Browser(timeout=60) as browser:
            index = browser.load(docs["index"])
            page = browser.load(validation, screenshot=tmp_path / "validation.png")
    except BrowserError as error:
        pytest.fail(f"the browser tests need chromium: {error}")
    for loaded in (index, page):
        assert not loaded.errors, [str(m) for m in loaded.errors]  # every script and stylesheet loaded
    rows = re.findall(r"<tr[^>]*data-index", index.dom)  # drawn by bootstrap-table from the page's data
    assert len(rows) >= 10 and RUN_NAME in index.dom and "pos_sales_contract" in index.dom
    assert 'href="quarantine.html"' in index.dom
    assert page.screenshot.stat().st_size > 50_000
