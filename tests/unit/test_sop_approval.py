"""Approval of the S&OP consensus plan (ml/sop/approval.py): the decision, statuses and the published file."""

import datetime as dt

import pandas as pd
import pytest

from ml.sop.approval import approval_statuses, check_sop_plan_version, consensus_plan_csv, decide_approval

AT = dt.datetime(2026, 10, 6, 9, 30)
RECORDED = pd.Series({"SOP-202608-aaaaaaaa": "superseded", "SOP-202609-bbbbbbbb": "approved", "SOP-202610-cccccccc": "proposed"})


def test_approving_a_version_supersedes_the_one_approved_before():
    statuses = pd.Series({"SOP-202609-aaaaaaaa": "approved", "SOP-202610-bbbbbbbb": "proposed", "SOP-202610-cccccccc": "proposed"})
    updated = approval_statuses(statuses, "SOP-202610-bbbbbbbb")
    assert updated.to_dict() == {"SOP-202609-aaaaaaaa": "superseded", "SOP-202610-bbbbbbbb": "approved", "SOP-202610-cccccccc": "proposed"}


def test_the_meetings_decision_approves_the_version_supersedes_the_approved_one_and_says_what_to_record():
    approval = decide_approval(RECORDED, " SOP-202610-cccccccc ", "  c.martin ", "as discussed", AT)
    assert approval.plan_version == "SOP-202610-cccccccc" and approval.approved_by == "c.martin"  # stripped: they name a folder and a person
    assert approval.statuses.to_dict() == {"SOP-202608-aaaaaaaa": "superseded", "SOP-202609-bbbbbbbb": "superseded", "SOP-202610-cccccccc": "approved"}
    assert approval.superseded == ["SOP-202609-bbbbbbbb"]  # superseded now, not the one superseded before
    assert approval.record() == {"plan_version": "SOP-202610-cccccccc", "approved_by": "c.martin", "approved_at": AT, "comment": "as discussed"}
    again = decide_approval(approval.statuses, "SOP-202610-cccccccc", "d.durand", "", AT)  # approved twice: nothing more superseded
    assert again.superseded == [] and again.statuses.equals(approval.statuses)


@pytest.mark.parametrize("approver", ["", "   "])
def test_an_approval_without_an_approver_is_refused(approver):
    with pytest.raises(ValueError, match="approved_by is empty: say who approves the plan"):
        decide_approval(RECORDED, "SOP-202610-cccccccc", approver, "", AT)


def test_an_approval_of_what_is_no_version_or_no_recorded_one_is_refused():
    with pytest.raises(ValueError, match="'v1' is not an S&OP plan version"):
        decide_approval(RECORDED, "v1", "c.martin", "", AT)
    with pytest.raises(ValueError, match="no consensus plan version SOP-202611-dddddddd; known versions: SOP-202608-aaaaaaaa, SOP-202609"):
        decide_approval(RECORDED, "SOP-202611-dddddddd", "c.martin", "", AT)
    with pytest.raises(ValueError, match="known versions: none"):  # before the first S&OP cycle
        decide_approval(pd.Series(dtype=object), "SOP-202611-dddddddd", "c.martin", "", AT)


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
