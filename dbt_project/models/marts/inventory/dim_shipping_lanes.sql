-- Where an online order can ship from: every stocking location and customer region it can reach,
-- with the cost per unit (seed shipping_costs, by location type and whether the region is the
-- location's own) and the online order lines the location can pick a day (seed
-- replenishment_settings).
with

regions as (
    select distinct region from {{ ref('dim_location') }} where region is not null
)

select
    locations.location_id,
    locations.location_type,
    regions.region,
    costs.cost_per_unit,
    settings.online_lines_capacity_per_day
from {{ ref('dim_location') }} as locations
cross join regions
inner join {{ ref('shipping_costs') }} as costs
    on costs.location_type = locations.location_type and costs.same_region = (locations.region = regions.region)
inner join {{ ref('replenishment_settings') }} as settings on settings.location_type = locations.location_type
where locations.location_type in {{ location_types_of_role(['warehouse', 'store']) }}
