-- The S&OP balancing's opening stock: on-hand units of the stock position (the start of the plan)
-- by planning group (family / resource) and region. A SKU's stock counts in the group of its
-- family and resource in its location's region: its production line when it is made on one, else
-- its supplier, else var unnamed_source (as fct_supply_sources assigns them); stock of a family
-- and region without a planning group (no demand there over the last 364 days) counts nowhere.
with planning_groups as (
    select distinct planning_group, family, resource_id, region
    from {{ ref('fct_supply_sources') }}
)

select
    planning_groups.planning_group,
    locations.region,
    sum(stock.on_hand_units) as on_hand_units
from {{ ref('fct_stock_position') }} as stock
join {{ ref('dim_sku') }} as skus using (sku_id)
join {{ ref('dim_location') }} as locations using (location_id)
join planning_groups
    on planning_groups.family = skus.family
    and planning_groups.region = locations.region
    and planning_groups.resource_id = case
        when skus.make_or_buy = 'MAKE' and skus.production_line_id is not null then skus.production_line_id
        else coalesce(skus.supplier_id, '{{ var("unnamed_source") }}')
    end
group by all
