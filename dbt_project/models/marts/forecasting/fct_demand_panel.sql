-- The forecasting panel: one row per series (SKU x location x channel) and day, dense (days
-- without demand are zeros), from the series' first sale to the end of history, then the
-- forecast horizon's days with their known-future inputs and no units. Known-future inputs:
-- the day's list price for the location and channel, else the channel, else the last one listed
-- before the day (a price list not published for the horizon yet) (else the SKU's master-data
-- price, else the series' average selling price over its history: a company may give prices only
-- with its sales history; null when no price is known at all) and its ratio to the SKU's
-- master-data price (else to the series' mean listed price), planned promotions (flag and deepest
-- discount), public holidays and store closures, and the calendar's events coded by type
-- (event_code: company-wide events; local_event_code: the region's or the location's). Static
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

price_list as (
    select
        sku_id,
        channel_id,
        location_id,
        valid_from,
        coalesce(valid_to, (select max(date_day) from {{ ref('dim_date') }})) as valid_until,
        price
    from {{ ref('stg_erp__prices') }}
),

price_days as (
    -- the listed price of each day (the highest where validities overlap); location empty: every location
    select price_list.sku_id, price_list.channel_id, price_list.location_id, dates.date_day, max(price_list.price) as price
    from price_list
    inner join {{ ref('dim_date') }} as dates on dates.date_day between price_list.valid_from and price_list.valid_until
    group by 1, 2, 3, 4
),

listed_prices as (
    -- the price at the series' location when the company prices by location, else its channel's
    select
        grid.sku_id,
        grid.location_id,
        grid.channel_id,
        grid.demand_date,
        coalesce(at_location.price, everywhere.price) as price
    from grid
    left join price_days as at_location
        on at_location.sku_id = grid.sku_id and at_location.channel_id = grid.channel_id
        and at_location.location_id = grid.location_id and at_location.date_day = grid.demand_date
    left join price_days as everywhere
        on everywhere.sku_id = grid.sku_id and everywhere.channel_id = grid.channel_id
        and everywhere.location_id is null and everywhere.date_day = grid.demand_date
),

price_runs as (
    -- a run: a listed day and the unlisted days after it (count() skips nulls: portable, unlike IGNORE NULLS)
    select
        listed_prices.*,
        count(price) over (partition by sku_id, location_id, channel_id order by demand_date rows between unbounded preceding and current row) as run
    from listed_prices
),

prices as (
    -- a day without listed price takes the last one listed before it: a price list not yet
    -- published for the coming weeks (or a week skipped) is read as the price still holding
    select
        sku_id,
        location_id,
        channel_id,
        demand_date,
        max(price) over (partition by sku_id, location_id, channel_id, run) as price
    from price_runs
    where run > 0
),

mean_prices as (
    -- the series' reference price when the item master has no list price: its mean listed price
    select prices.sku_id, prices.location_id, prices.channel_id, avg(prices.price) as price
    from prices
    cross join history_end
    where prices.demand_date <= history_end.last_day
    group by 1, 2, 3
),

event_types as (
    -- events are coded by type: 1, 2... in the order of the type names (0: no event)
    select event_type, dense_rank() over (order by event_type) as event_code
    from (select distinct event_type from {{ ref('stg_calendar__events') }}) as types
),

company_events as (
    select events.event_date, min(event_types.event_code) as event_code
    from {{ ref('stg_calendar__events') }} as events
    inner join event_types on event_types.event_type = events.event_type
    where events.region is null and events.location_id is null
    group by 1
),

local_events as (
    -- events of one region or one location, on the locations they are for
    select locations.location_id, events.event_date, min(event_types.event_code) as event_code
    from {{ ref('stg_calendar__events') }} as events
    inner join event_types on event_types.event_type = events.event_type
    inner join {{ ref('dim_location') }} as locations
        on locations.location_id = events.location_id
        or (events.location_id is null and locations.region = events.region)
    group by 1, 2
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
    coalesce(prices.price, skus.list_price) / nullif(coalesce(skus.list_price, mean_prices.price), 0) as relative_price,
    promotions.discount_pct is not null as is_promotion,
    coalesce(promotions.discount_pct, 0) as discount_pct,
    dates.is_holiday,
    dates.stores_closed and grid.channel_id in {{ channels_of_role('store') }} as is_closed,
    coalesce(company_events.event_code, 0) as event_code,
    coalesce(local_events.event_code, 0) as local_event_code,
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
left join prices
    on prices.sku_id = grid.sku_id and prices.location_id = grid.location_id
    and prices.channel_id = grid.channel_id and prices.demand_date = grid.demand_date
left join mean_prices
    on mean_prices.sku_id = grid.sku_id and mean_prices.location_id = grid.location_id and mean_prices.channel_id = grid.channel_id
left join company_events on company_events.event_date = grid.demand_date
left join local_events on local_events.location_id = grid.location_id and local_events.event_date = grid.demand_date
left join promotions
    on promotions.sku_id = grid.sku_id and promotions.location_id = grid.location_id
    and promotions.channel_id = grid.channel_id and promotions.demand_date = grid.demand_date
left join abc on abc.sku_id = grid.sku_id and abc.location_id = grid.location_id and abc.channel_id = grid.channel_id
left join selling_prices
    on selling_prices.sku_id = grid.sku_id and selling_prices.location_id = grid.location_id and selling_prices.channel_id = grid.channel_id
