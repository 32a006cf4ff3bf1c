-- Every pair of stocking locations a transfer can join, with its cost per unit and days, from the
-- planner-editable rules of seed transfer_costs (by the two locations' roles, warehouse or store,
-- and whether they share a region). Pairs without a rule cannot transfer.
with

stocking_locations as (
    select locations.location_id, locations.location_type, location_types.location_role, locations.region
    from {{ ref('dim_location') }} as locations
    inner join {{ ref('stg_company__location_types') }} as location_types on location_types.location_type = locations.location_type
    where location_types.location_role in ({{ role_list('location', ['warehouse', 'store']) }})
)

select
    origins.location_id as from_location_id,
    destinations.location_id as to_location_id,
    origins.location_type as from_location_type,
    destinations.location_type as to_location_type,
    origins.region = destinations.region as same_region,
    rules.cost_per_unit as transfer_cost_per_unit,
    rules.transfer_days
from stocking_locations as origins
inner join stocking_locations as destinations on destinations.location_id <> origins.location_id
inner join {{ ref('transfer_costs') }} as rules
    on rules.from_location_role = origins.location_role
    and rules.to_location_role = destinations.location_role
    and rules.same_region = (origins.region = destinations.region)
