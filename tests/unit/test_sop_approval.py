"""Approval of the S&OP consensus plan (ml/sop/approval.py): statuses and the published file."""

import pandas as pd
import pytest

from ml.sop.approval import approval_statuses, check_sop_plan_version, consensus_plan_csv


def test_approving_a_version_supersedes_the_one_approved_before():
    statuses = pd.Series({"SOP-202609-aaaaaaaa": "approved", "SOP-202610-bbbbbbbb": "proposed", "SOP-202610-cccccccc": "proposed"})
    updated = approval_statuses(statuses, "SOP-202610-bbbbbbbb")
    assert updated.to_dict() == {"SOP-202609-aaaaaaaa": "superseded", "SOP-202610-bbbbbbbb": "approved", "SOP-202610-cccccccc": "proposed"}


def test_approving_an_unknown_version_names_the_known_ones():
    with pytest.raises(ValueError, match="no consensus plan version SOP-202611-dddddddd; known versions: SOP-202610-bbbbbbbb"):
        approval_statuses(pd.Series({"SOP-202610-bbbbbbbb": "proposed"}), "SOP-202611-dddddddd")


@pytest.mark.parametrize("version", ["", "SOP-2026-abc", "../../etc", "SOP-202610-EE6EC884", "PLAN-20260930-1a2b3c4d"])
def test_a_version_that_is_not_one_is_refused_before_it_names_a_folder(version):
    with pytest.raises(ValueError, match="is not an S&OP plan version"):
        check_sop_plan_version(version)


def test_the_published_plan_is_sorted_whole_units_and_the_same_bytes_for_the_same_plan():
    plan = pd.DataFrame(
        {
            "month": pd.to_datetime(["2026-11-01", "2026-10-01", "2026-10-01"]),
            "family": ["SNACKS", "SNACKS", "BEVERAGES"],
            "region": ["NORTH", "NORTH", "SOUTH"],
            "demand": [10.4, 20.6, 30.0],
            "supply": [10.0, 21.0, 29.5],
            "inventory": [0.0, 0.4, 1.0],
            "backlog": [0.0, 0.0, 0.0],
            "lost_sales": [0.0, 0.0, 0.0],
            "status": ["proposed"] * 3,
        }
    )
    text = consensus_plan_csv(plan, "SOP-202610-ee6ec884")
    assert text.splitlines() == [
        "plan_version,month,family,region,demand,supply,inventory,backlog,lost_sales",
        "SOP-202610-ee6ec884,2026-10,BEVERAGES,SOUTH,30,30,1,0,0",
        "SOP-202610-ee6ec884,2026-10,SNACKS,NORTH,21,21,0,0,0",
        "SOP-202610-ee6ec884,2026-11,SNACKS,NORTH,10,10,0,0,0",
    ]
    assert consensus_plan_csv(plan.sample(frac=1, random_state=3), "SOP-202610-ee6ec884") == text
