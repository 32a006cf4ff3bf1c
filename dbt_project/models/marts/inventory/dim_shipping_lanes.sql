-- Where an online order can ship from: every stocking location and customer region it can reach,
-- with the cost per unit (seed shipping_costs, by location role and whether the region is the
-- location's own) and the online order lines the location can pick a day (seed
-- replenishment_settings, by location role).
with

regions as (
    select distinct region from {{ ref('dim_location') }} where region is not null
),

stocking_locations as (
    select locations.location_id, locations.location_type, location_types.location_role, locations.region
    from {{ ref('dim_location') }} as locations
    inner join {{ ref('stg_company__location_types') }} as location_types on location_types.location_type = locations.location_type
    where location_types.location_role in ({{ role_list('location', ['warehouse', 'store']) }})
)

select
    locations.location_id,
    locations.location_type,
    regions.region,
    costs.cost_per_unit,
    settings.online_lines_capacity_per_day
from stocking_locations as locations
cross join regions
inner join {{ ref('shipping_costs') }} as costs
    on costs.location_role = locations.location_role and costs.same_region = (locations.region = regions.region)
inner join {{ ref('replenishment_settings') }} as settings on settings.location_role = locations.location_role
