"""Who answers for each group of assets (the Owner column of Dagster's asset catalog).

Owners are teams (``team:<name>``, Dagster's notation); a group that is not listed fails the
code location's test, so a new group gets an owner when it is made.
"""

import dagster as dg

DATA_ENGINEERING = "team:data-engineering"
DEMAND_PLANNING = "team:demand-planning"
SUPPLY_PLANNING = "team:supply-planning"
PLANNING_ANALYTICS = "team:planning-analytics"

OWNERS_BY_GROUP = {
    "company": DATA_ENGINEERING,
    "raw": DATA_ENGINEERING,
    "governance": DATA_ENGINEERING,
    "staging": DATA_ENGINEERING,
    "intermediate": DATA_ENGINEERING,
    "marts": DATA_ENGINEERING,
    "reference": DATA_ENGINEERING,
    "forecasting": DEMAND_PLANNING,
    "inventory": SUPPLY_PLANNING,
    "sop": SUPPLY_PLANNING,
    "publication": SUPPLY_PLANNING,
    "kpi": PLANNING_ANALYTICS,
    "exceptions": PLANNING_ANALYTICS,
    "cockpit": PLANNING_ANALYTICS,
}


def with_group_owner(spec: dg.AssetSpec) -> dg.AssetSpec:
    """The spec with its group's owner (owners set on the asset itself come first)."""
    if spec.owners or spec.group_name not in OWNERS_BY_GROUP:
        return spec
    return spec.replace_attributes(owners=[OWNERS_BY_GROUP[spec.group_name]])
