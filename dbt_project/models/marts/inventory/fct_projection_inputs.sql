-- The daily flows of the inventory projection per SKU x stocking location over the latest
-- consensus forecast's horizon: the consensus forecast and the committed order lines due (the
-- location's channels added up; stale lines left out, past-due lines due on the first day), the
-- independent demand the projection plans, and the open supply due (overdue supply on the first
-- day; transfers in transit have no destination yet).
-- Independent demand is the forecast consumed by the committed orders, channel by channel and on
-- running totals: booked orders are part of what the forecast expects, so over the first n days a
-- channel plans the larger of its forecast and its orders, max(cumulative forecast, cumulative
-- committed), and a day's demand is the increase of that running figure. A lump of B2B orders on
-- one day then consumes the forecast of the days around it instead of adding to it, and B2B
-- orders never consume the web's forecast.
with

latest_consensus as (
    select *
    from {{ ref('fct_consensus_forecast') }}
    where origin_date = (select max(origin_date) from {{ ref('fct_consensus_forecast') }})
),

horizon_days as (
    select distinct forecast_date as projection_date from latest_consensus
),

horizon as (
    select min(projection_date) as first_day, max(projection_date) as last_day from horizon_days
),

channel_forecast as (
    select sku_id, location_id, channel_id, forecast_date as projection_date, sum(consensus_units) as forecast_units
    from latest_consensus
    group by 1, 2, 3, 4
),

channel_committed as (
    select orders.sku_id, orders.location_id, orders.channel_id, greatest(orders.due_date, horizon.first_day) as projection_date,
        sum(orders.open_quantity) as committed_units
    from {{ ref('fct_committed_orders') }} as orders
    cross join horizon
    where not orders.is_stale and orders.due_date <= horizon.last_day
    group by 1, 2, 3, 4
),

channel_series as (
    select sku_id, location_id, channel_id from channel_forecast
    union
    select sku_id, location_id, channel_id from channel_committed
),

channel_days as (
    select
        channel_series.sku_id,
        channel_series.location_id,
        channel_series.channel_id,
        horizon_days.projection_date,
        coalesce(channel_forecast.forecast_units, 0) as forecast_units,
        coalesce(channel_committed.committed_units, 0) as committed_units
    from channel_series
    cross join horizon_days
    left join channel_forecast
        on channel_forecast.sku_id = channel_series.sku_id and channel_forecast.location_id = channel_series.location_id
        and channel_forecast.channel_id = channel_series.channel_id and channel_forecast.projection_date = horizon_days.projection_date
    left join channel_committed
        on channel_committed.sku_id = channel_series.sku_id and channel_committed.location_id = channel_series.location_id
        and channel_committed.channel_id = channel_series.channel_id and channel_committed.projection_date = horizon_days.projection_date
),

running as (
    select
        channel_days.*,
        greatest(
            sum(forecast_units) over (partition by sku_id, location_id, channel_id order by projection_date rows between unbounded preceding and current row),
            sum(committed_units) over (partition by sku_id, location_id, channel_id order by projection_date rows between unbounded preceding and current row)
        ) as planned_to_date
    from channel_days
),

daily_increments as (
    select
        running.*,
        planned_to_date - coalesce(lag(planned_to_date) over (partition by sku_id, location_id, channel_id order by projection_date), 0)
            as independent_demand_units
    from running
),

consumed as (
    select
        sku_id,
        location_id,
        projection_date,
        sum(forecast_units) as forecast_units,
        sum(committed_units) as committed_units,
        sum(independent_demand_units) as independent_demand_units
    from daily_increments
    group by 1, 2, 3
),

receipts as (
    select supply.sku_id, supply.location_id, greatest(supply.due_date, horizon.first_day) as projection_date, sum(supply.open_quantity) as receipt_units
    from {{ ref('fct_open_supply') }} as supply
    cross join horizon
    where supply.location_id is not null
    group by 1, 2, 3
)

select
    lanes.sku_id,
    lanes.location_id,
    horizon_days.projection_date,
    coalesce(consumed.forecast_units, 0) as forecast_units,
    coalesce(consumed.committed_units, 0) as committed_units,
    coalesce(consumed.independent_demand_units, 0) as independent_demand_units,
    coalesce(receipts.receipt_units, 0) as scheduled_receipts
from {{ ref('fct_replenishment_lanes') }} as lanes
cross join horizon_days
left join consumed
    on consumed.sku_id = lanes.sku_id and consumed.location_id = lanes.location_id and consumed.projection_date = horizon_days.projection_date
left join receipts
    on receipts.sku_id = lanes.sku_id and receipts.location_id = lanes.location_id and receipts.projection_date = horizon_days.projection_date
