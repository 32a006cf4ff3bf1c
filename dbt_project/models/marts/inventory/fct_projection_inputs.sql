-- The daily flows of the inventory projection per SKU x stocking location over the latest
-- consensus forecast's horizon: the forecast (channels of the location added up), the committed
-- order lines due (stale lines left out; past-due lines are due on the first day) and the open
-- supply due (overdue supply on the first day; transfers in transit have no destination yet).
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

forecast as (
    select sku_id, location_id, forecast_date as projection_date, sum(consensus_units) as forecast_units
    from latest_consensus
    group by 1, 2, 3
),

committed as (
    select orders.sku_id, orders.location_id, greatest(orders.due_date, horizon.first_day) as projection_date, sum(orders.open_quantity) as committed_units
    from {{ ref('fct_committed_orders') }} as orders
    cross join horizon
    where not orders.is_stale
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
    coalesce(forecast.forecast_units, 0) as forecast_units,
    coalesce(committed.committed_units, 0) as committed_units,
    coalesce(receipts.receipt_units, 0) as scheduled_receipts
from {{ ref('fct_replenishment_lanes') }} as lanes
cross join horizon_days
left join forecast
    on forecast.sku_id = lanes.sku_id and forecast.location_id = lanes.location_id and forecast.projection_date = horizon_days.projection_date
left join committed
    on committed.sku_id = lanes.sku_id and committed.location_id = lanes.location_id and committed.projection_date = horizon_days.projection_date
left join receipts
    on receipts.sku_id = lanes.sku_id and receipts.location_id = lanes.location_id and receipts.projection_date = horizon_days.projection_date
