"""The company's configuration in the warehouse: what the contracts check codes against and dbt joins on.

One asset per table of the ``company`` schema (data_contracts.company.export), written together
from the company folder (PLANLINE_COMPANY): the roles of the company's channel, location-type,
unit and code-system codes, its customer segments, its families and its planning settings. Every
raw asset depends on it: a run reads the configuration as it is when the run starts.
"""

import dagster as dg

from data_contracts.company.export import COLUMNS, SCHEMA, write_company_tables
from orchestration.partitions import WAREHOUSE_POOL
from orchestration.resources import DuckDBWarehouse, LandingZone

COMPANY_GROUP = "company"
COMPANY_KEYS = [dg.AssetKey([SCHEMA, table]) for table in COLUMNS]
_DESCRIPTIONS = {
    "channels": "The company's sales channels and the Planline role of each (store, online, marketplace, wholesale).",
    "location_types": "The company's location types, the role (plant, warehouse, store, virtual) and echelon of each.",
    "unit_roles": "The company's units of measure, the role of each (base, case, store pack, bundle) and a default factor.",
    "code_systems": "The code systems of the item cross-reference and the system each is the code of.",
    "segment_service_levels": "Customer segments: allocation priority and service targets.",
    "families": "The product families the company lists (empty: any family in the item master).",
    "holidays": "The company's calendar: public holidays and the days its stores are closed.",
    "planning_settings": "Planning settings where the data says nothing: horizons, service targets, default lead time, review period, costs.",
}


@dg.multi_asset(
    specs=[dg.AssetSpec(key, group_name=COMPANY_GROUP, description=_DESCRIPTIONS[key.path[-1]], kinds={"duckdb", "yaml"}) for key in COMPANY_KEYS],
    pool=WAREHOUSE_POOL,
)
def company_configuration(context: dg.AssetExecutionContext, warehouse: DuckDBWarehouse, landing_zone: LandingZone):
    """Read and check the company folder (a problem names its file and key), then replace the tables."""
    configuration = landing_zone.company()
    with warehouse.connect() as con:
        rows = write_company_tables(con, configuration.company)
    context.log.info(f"company {configuration.company.name!r} from {configuration.folder}: " + ", ".join(f"{t} {n}" for t, n in rows.items()))
    for table, count in rows.items():
        yield dg.MaterializeResult(asset_key=[SCHEMA, table], metadata={"rows": count, "company_folder": str(configuration.folder)})
