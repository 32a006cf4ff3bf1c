-- Every exception planners act on, one row each, with a machine-readable reason_code (capacity,
-- lead_time, supplier, allocation, data_quality) and a sentence (reason_detail):
--   history: order lines delivered late or short, demand held in quarantine or sold without a policy;
--   plan:    projected shortages and order lines the allocation leaves short;
--   sop:     demand the base S&OP scenario cannot meet.
-- value is the units at list price (or the lines' price), to rank them.
with

exceptions as (
    select * from {{ ref('exc_order_lines') }}
    union all
    select * from {{ ref('exc_projected_shortages') }}
    union all
    select * from {{ ref('exc_allocation_shorts') }}
    union all
    select * from {{ ref('exc_unplanned_demand') }}
    union all
    select * from {{ ref('exc_sop_gaps') }}
)

select
    {{ dbt.concat(['exception_type', "'|'", "coalesce(reference, '')", "'|'", "coalesce(sku_id, '')", "'|'", "coalesce(location_id, '')", "'|'", "coalesce(channel_id, '')", "'|'", "coalesce(cast(exception_date as " ~ dbt.type_string() ~ "), '')"]) }} as exception_id,
    exceptions.*
from exceptions
