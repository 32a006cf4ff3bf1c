"""The KPI and cockpit groups' Python assets materialized on a temporary warehouse of small
hand-made dbt models (tests/assets/inputs.py): each KPI's latest value in the asset's metadata, and
the planners' cockpit page, before and after an S&OP cycle run by the S&OP group's own assets."""

from __future__ import annotations

from html.parser import HTMLParser

import dagster as dg
import pytest

from orchestration.defs.layers import SOP_CYCLE
from orchestration.defs.reporting.kpi import KPI_LATEST
from tests.assets.group_runs import copy_home, failure_message, group_assets, materialization, planning_home, run, write_tables
from tests.assets.inputs import COMPANY_NAME, OEE_REASON, PLAN_VERSION, SOP_MONTHS, cockpit_inputs, kpi_scorecard, sop_inputs


class _Text(HTMLParser):
    """The text a reader sees, one string per text node (no script or style)."""

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs) -> None:
        self._hidden += tag in ("script", "style")

    def handle_endtag(self, tag) -> None:
        self._hidden -= tag in ("script", "style")

    def handle_data(self, data) -> None:
        if not self._hidden and data.strip():
            self.texts.append(data.strip())


def page_text(home) -> list[str]:
    parser = _Text()
    parser.feed((home.exports / "cockpit" / "cockpit.html").read_text(encoding="utf-8"))
    return parser.texts


@pytest.fixture(scope="module")
def reported(tmp_path_factory):
    """The KPI and cockpit groups run once, before any S&OP cycle."""
    with pytest.MonkeyPatch.context() as patch:
        home = planning_home(tmp_path_factory.mktemp("reporting"), patch)
        write_tables(home, cockpit_inputs())
        yield home, run(home, group_assets("kpi", "cockpit"))


def test_kpi_latest_shows_each_kpis_latest_value_by_channel_and_why_one_is_not_computed(reported):
    home, result = reported
    metadata = materialization(result, "kpi/kpi_latest")
    assert (metadata["otif_rate"], metadata["otif_rate_month"]) == (0.96, "2026-09-01")
    assert (metadata["otif_rate__web"], metadata["otif_rate__b2b"]) == (0.8, 0.99)
    # September has no bias yet: August's stays the latest, said with its month
    assert (metadata["forecast_bias"], metadata["forecast_bias_month"]) == (0.05, "2026-08-01")
    assert metadata["oee_not_computed"] == f"Not computed: {OEE_REASON}" and "oee" not in metadata
    chart = home.exports / "kpi" / "kpi_history.png"
    assert metadata["kpi_history_file"] == str(chart) and chart.read_bytes().startswith(b"\x89PNG")


def test_the_cockpit_names_the_plan_and_lists_the_plans_and_recent_exceptions_first(reported):
    home, result = reported
    metadata = materialization(result, "cockpit/planners_cockpit")
    assert (metadata["as_of"], metadata["plan_version"], metadata["sop_plan_version"]) == ("2026-09-30", PLAN_VERSION, "")
    assert metadata["kpis_not_computed"] == "oee" and metadata["exceptions"] == 3
    text = page_text(home)
    assert f"{COMPANY_NAME} · Planline" in text and text[text.index("Inventory plan") + 1] == PLAN_VERSION
    assert text[text.index("S&OP plan") + 1] == "none yet"  # before the first cycle, said, not failed
    assert "No scenarios yet: the scenario summary has no rows." in text
    # the plan's shortage first, then last week's late line; July's is beyond the 28 days of recent history
    shown = [t for t in text if t.endswith("arrives") or t.endswith("late")]
    assert shown == ["S1 runs short before its transfer arrives", "PO-7 arrived 3 days late"]
    assert "adjustment_units is not a number: 'twelve'" in text  # the refused override, for its author to correct


def test_after_an_sop_cycle_the_cockpit_shows_the_scenarios_and_the_proposed_plan(reported, tmp_path, monkeypatch):
    home = copy_home(reported[0], tmp_path, monkeypatch)
    monkeypatch.setenv("PLANLINE_SOP_HORIZON_MONTHS", str(SOP_MONTHS))
    write_tables(home, sop_inputs())
    proposed = materialization(run(home, SOP_CYCLE), "sop/consensus_plan")["plan_version"]
    context = cockpit_inputs()["cockpit.plan_context"].assign(sop_plan_version=proposed, sop_status="proposed")  # what the dbt view then shows
    write_tables(home, {"cockpit.plan_context": context})
    metadata = materialization(run(home, group_assets("cockpit")), "cockpit/planners_cockpit")
    assert metadata["sop_plan_version"] == proposed
    text = page_text(home)
    assert proposed in text and "proposed" in text
    assert "No scenarios yet: the scenario summary has no rows." not in text
    assert {"base", "boom"} <= set(text) and "L1" in text  # the scenarios side by side, the line's capacity by month


def test_kpi_latest_without_kpi_rows_fails_saying_what_to_materialize(tmp_path, monkeypatch):
    home = planning_home(tmp_path, monkeypatch)
    write_tables(home, {"kpi.kpi_scorecard": kpi_scorecard().iloc[0:0]})
    result = run(home, dg.AssetSelection.assets(KPI_LATEST), raise_on_error=False)
    assert "No KPI rows yet: materialize the data layer and the planning models first." in failure_message(result)
