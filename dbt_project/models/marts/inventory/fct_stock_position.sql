-- Physical stock per SKU at each stocking location at the start of the plan (the end of the last
-- day of history): the location's latest WMS count (weekly snapshot; the ERP's book when the
-- company has no WMS) on or before the plan's first day, the day after the last day of history (a
-- count taken that day, e.g. with the morning's export or on a day without sales, is the stock
-- the plan starts from), plus the stock movements recorded since up to the last day of history
-- (receipts, transfers in, shipments, returns restocked, adjustments) minus the store sales since
-- (POS sales are not WMS movements). A count dated after the plan's first day is not used. A
-- computed quantity below zero (events missing or late) is reported in computed_on_hand_units and
-- planned from zero.
with

history_end as (
    select last_day, cast({{ dbt.dateadd('day', 1, 'last_day') }} as date) as plan_start
    from ({{ history_last_day() }}) as history
),

latest_counts as (
    select snapshots.location_id, max(snapshots.snapshot_date) as snapshot_date
    from {{ ref('fct_inventory_snapshots') }} as snapshots
    cross join history_end
    where snapshots.snapshot_date <= history_end.plan_start
    group by 1
),

counted_stock as (
    select snapshots.location_id, snapshots.sku_id, snapshots.snapshot_date, {{ physical_count('snapshots') }} as wms_quantity, snapshots.erp_quantity
    from {{ ref('fct_inventory_snapshots') }} as snapshots
    inner join latest_counts on latest_counts.location_id = snapshots.location_id and latest_counts.snapshot_date = snapshots.snapshot_date
),

movements_since_count as (
    select movements.location_id, movements.sku_id, sum(movements.available_stock_delta) as units
    from {{ ref('fct_stock_movements') }} as movements
    inner join latest_counts on latest_counts.location_id = movements.location_id
    cross join history_end
    where movements.event_date > latest_counts.snapshot_date and movements.event_date <= history_end.last_day
    group by 1, 2
),

store_sales_since_count as (
    select demand.location_id, demand.sku_id, sum(demand.units) as units
    from {{ ref('fct_daily_demand') }} as demand
    inner join latest_counts on latest_counts.location_id = demand.location_id
    cross join history_end
    where demand.channel_id in {{ channels_of_role('store') }} and demand.demand_date > latest_counts.snapshot_date and demand.demand_date <= history_end.last_day
    group by 1, 2
),

positions as (
    select
        counted_stock.sku_id,
        counted_stock.location_id,
        counted_stock.snapshot_date as counted_on,
        counted_stock.wms_quantity as counted_units,
        counted_stock.erp_quantity as erp_book_units,
        coalesce(movements_since_count.units, 0) as movement_units_since_count,
        coalesce(store_sales_since_count.units, 0) as store_sales_since_count,
        counted_stock.wms_quantity + coalesce(movements_since_count.units, 0) - coalesce(store_sales_since_count.units, 0) as computed_on_hand_units
    from counted_stock
    left join movements_since_count
        on movements_since_count.location_id = counted_stock.location_id and movements_since_count.sku_id = counted_stock.sku_id
    left join store_sales_since_count
        on store_sales_since_count.location_id = counted_stock.location_id and store_sales_since_count.sku_id = counted_stock.sku_id
)

select
    positions.sku_id,
    positions.location_id,
    history_end.last_day as as_of_date,
    history_end.plan_start as plan_start_date,
    positions.counted_on,
    positions.counted_units,
    positions.erp_book_units,
    positions.movement_units_since_count,
    positions.store_sales_since_count,
    positions.computed_on_hand_units,
    greatest(positions.computed_on_hand_units, 0) as on_hand_units,
    greatest(positions.computed_on_hand_units, 0) * skus.unit_cost as on_hand_value
from positions
cross join history_end
inner join {{ ref('dim_location') }} as locations on locations.location_id = positions.location_id
inner join {{ ref('dim_sku') }} as skus on skus.sku_id = positions.sku_id
where locations.location_type in {{ location_types_of_role(['warehouse', 'store']) }}
