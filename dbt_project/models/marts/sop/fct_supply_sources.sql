-- How each family is supplied: one planning group per family and resource (a production line or
-- a supplier), since a SKU is bound to its source. A group's share of its family's demand in each
-- region comes from the last 364 days of demand of its SKUs (the S&OP cycle's demand,
-- fct_sop_daily_demand: a monthly sales history counts); its unit cost is the mean unit cost
-- of its SKUs weighted by that demand; lines add their run rate (units per hour). An item without
-- line or supplier (the minimal input) is bought from var unnamed_source, which has no capacity limit.
with

history_end as (
    {{ history_last_day(with_periods=true) }}
),

sku_sources as (
    select
        sku_id,
        family,
        case when make_or_buy = 'MAKE' and production_line_id is not null then 'production' else 'purchase' end as source_type,
        -- an item the data gives no line or supplier is bought from a source it does not name
        case
            when make_or_buy = 'MAKE' and production_line_id is not null then production_line_id
            else coalesce(supplier_id, '{{ var("unnamed_source") }}')
        end as resource_id,
        unit_cost,
        list_price
    from {{ ref('dim_sku') }}
),

recent_demand as (
    select demand.sku_id, locations.region, sum(demand.units) as units
    from {{ ref('fct_sop_daily_demand') }} as demand
    inner join {{ ref('dim_location') }} as locations on locations.location_id = demand.location_id
    cross join history_end
    where demand.demand_date > {{ dbt.dateadd('day', -364, 'history_end.last_day') }} and demand.demand_date <= history_end.last_day
    group by 1, 2
),

groups as (
    select
        sku_sources.family,
        sku_sources.source_type,
        sku_sources.resource_id,
        recent_demand.region,
        sum(recent_demand.units) as units,
        sum(recent_demand.units * sku_sources.unit_cost) as cost,
        sum(recent_demand.units * sku_sources.list_price) as revenue
    from sku_sources
    inner join recent_demand on recent_demand.sku_id = sku_sources.sku_id
    group by 1, 2, 3, 4
)

select
    groups.family || ' / ' || groups.resource_id as planning_group,
    groups.family,
    groups.source_type,
    groups.resource_id,
    groups.region,
    groups.units / nullif(sum(groups.units) over (partition by groups.family, groups.region), 0) as share_of_family,
    sum(groups.cost) over (partition by groups.family, groups.resource_id) / nullif(sum(groups.units) over (partition by groups.family, groups.resource_id), 0)
        as unit_cost,
    sum(groups.revenue) over (partition by groups.family, groups.resource_id) / nullif(sum(groups.units) over (partition by groups.family, groups.resource_id), 0)
        as list_price,
    lines.run_rate_per_hour as units_per_hour
from groups
left join {{ ref('dim_production_line') }} as lines on lines.production_line_id = groups.resource_id
where groups.units > 0
