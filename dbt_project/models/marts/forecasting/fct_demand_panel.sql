-- The forecasting panel: one row per series (SKU x location x channel) and day, dense (days
-- without demand are zeros), from the series' first sale to the end of history, then the
-- forecast horizon's days with their known-future inputs and no units. Known-future inputs:
-- the day's list price for the channel (else the SKU's master-data price, else the series'
-- average selling price over its history: a company may give prices only with its sales
-- history; null when no price is known at all) and its ratio to the SKU's master-data price, planned
-- promotions (flag and deepest discount), public holidays and store closures. Static
-- attributes: family, location type, region and the series' ABC class by revenue over the last
-- year of history (A: the first 80 % of revenue, B: the next 15 %, C: the rest).
{% set horizon = var('forecast_horizon_days') %}

with

history_end as (
    {{ history_last_day() }}
),

series as (
    select sku_id, location_id, channel_id, min(demand_date) as first_day
    from {{ ref('fct_daily_demand') }}
    where units > 0 and demand_date <= (select last_day from history_end)
    group by 1, 2, 3
),

grid as (
    select
        series.sku_id,
        series.location_id,
        series.channel_id,
        dates.date_day as demand_date,
        dates.date_day > history_end.last_day as is_future
    from series
    cross join history_end
    inner join {{ ref('dim_date') }} as dates
        on dates.date_day between series.first_day and {{ dbt.dateadd('day', horizon, 'history_end.last_day') }}
),

demand as (
    select sku_id, location_id, channel_id, demand_date, units
    from {{ ref('fct_daily_demand') }}
),

prices as (
    select grid.sku_id, grid.channel_id, grid.demand_date, max(prices.price) as price
    from grid
    inner join {{ ref('stg_erp__prices') }} as prices
        on prices.sku_id = grid.sku_id
        and prices.channel_id = grid.channel_id
        and grid.demand_date >= prices.valid_from
        and (prices.valid_to is null or grid.demand_date <= prices.valid_to)
    group by 1, 2, 3
),

promotions as (
    select grid.sku_id, grid.location_id, grid.channel_id, grid.demand_date, max(promotions.discount_pct) as discount_pct
    from grid
    inner join {{ ref('stg_erp__promotions') }} as promotions
        on promotions.sku_id = grid.sku_id
        and grid.demand_date between promotions.start_date and promotions.end_date
        and promotions.channel_scope in ('ALL', grid.channel_id)
        and (promotions.location_id is null or promotions.location_id = grid.location_id)
    group by 1, 2, 3, 4
),

selling_prices as (
    select sku_id, location_id, channel_id, sum(revenue) / nullif(sum(units), 0) as price
    from {{ ref('fct_daily_demand') }}
    where demand_date <= (select last_day from history_end) and revenue is not null
    group by 1, 2, 3
),

last_year_revenue as (
    select facts.sku_id, facts.location_id, facts.channel_id, sum(facts.revenue) as revenue
    from {{ ref('fct_daily_demand') }} as facts
    cross join history_end
    where facts.demand_date > {{ dbt.dateadd('day', -365, 'history_end.last_day') }}
      and facts.demand_date <= history_end.last_day
    group by 1, 2, 3
),

abc as (
    select
        sku_id,
        location_id,
        channel_id,
        sum(revenue) over (order by revenue desc, sku_id, location_id, channel_id rows between unbounded preceding and current row)
            / sum(revenue) over () as cumulative_share
    from last_year_revenue
)

select
    grid.sku_id,
    grid.location_id,
    grid.channel_id,
    grid.demand_date,
    grid.is_future,
    case when grid.is_future then null else coalesce(demand.units, 0) end as units,
    coalesce(prices.price, skus.list_price, selling_prices.price) as price,
    coalesce(prices.price, skus.list_price) / nullif(skus.list_price, 0) as relative_price,
    promotions.discount_pct is not null as is_promotion,
    coalesce(promotions.discount_pct, 0) as discount_pct,
    dates.is_holiday,
    dates.stores_closed and grid.channel_id in {{ channels_of_role('store') }} as is_closed,
    skus.family,
    locations.location_type,
    locations.region,
    case
        when abc.cumulative_share is null then 'C'
        when abc.cumulative_share <= 0.80 then 'A'
        when abc.cumulative_share <= 0.95 then 'B'
        else 'C'
    end as abc_class
from grid
inner join {{ ref('dim_date') }} as dates on dates.date_day = grid.demand_date
inner join {{ ref('dim_sku') }} as skus on skus.sku_id = grid.sku_id
inner join {{ ref('dim_location') }} as locations on locations.location_id = grid.location_id
left join demand
    on demand.sku_id = grid.sku_id and demand.location_id = grid.location_id
    and demand.channel_id = grid.channel_id and demand.demand_date = grid.demand_date
left join prices on prices.sku_id = grid.sku_id and prices.channel_id = grid.channel_id and prices.demand_date = grid.demand_date
left join promotions
    on promotions.sku_id = grid.sku_id and promotions.location_id = grid.location_id
    and promotions.channel_id = grid.channel_id and promotions.demand_date = grid.demand_date
left join abc on abc.sku_id = grid.sku_id and abc.location_id = grid.location_id and abc.channel_id = grid.channel_id
left join selling_prices
    on selling_prices.sku_id = grid.sku_id and selling_prices.location_id = grid.location_id and selling_prices.channel_id = grid.channel_id
