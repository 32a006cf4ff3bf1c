-- Closing physical stock per SKU, stocking location (DC or store) and day of history, rebuilt from
-- the weekly WMS counts (the ERP's book when the company has no WMS, macro physical_count): each day carries the location's latest count on or before it plus the
-- stock movements since (receipts, transfers, shipments, returns restocked, adjustments) minus the
-- store sales since (POS sales are not WMS movements). Counts are taken at the end of the day, so
-- a count day closes at its count. A day is listed when the SKU is active (launched, not
-- discontinued). Window sums carry the count forward: no row loops, no as-of join.
with

history_end as (
    {{ history_last_day() }}
),

stocking_locations as (
    select location_id from {{ ref('dim_location') }} where location_type in {{ location_types_of_role(['warehouse', 'store']) }}
),

counts as (
    select snapshots.sku_id, snapshots.location_id, snapshots.snapshot_date, {{ physical_count('snapshots') }} as wms_quantity
    from {{ ref('fct_inventory_snapshots') }} as snapshots
    inner join stocking_locations on stocking_locations.location_id = snapshots.location_id
),

counted_pairs as (
    select sku_id, location_id, min(snapshot_date) as first_counted_on from counts group by 1, 2
),

days as (
    select dates.date_day
    from {{ ref('dim_date') }} as dates
    cross join history_end
    where dates.date_day >= (select min(snapshot_date) from counts) and dates.date_day <= history_end.last_day
),

grid as (
    select counted_pairs.sku_id, counted_pairs.location_id, days.date_day
    from counted_pairs
    inner join days on days.date_day >= counted_pairs.first_counted_on
),

movements as (
    select sku_id, location_id, event_date as date_day, available_stock_delta as units
    from {{ ref('fct_stock_movements') }}
    union all
    select sku_id, location_id, demand_date, -units
    from {{ ref('fct_daily_demand') }}
    where channel_id in {{ channels_of_role('store') }}
),

daily_movements as (
    select sku_id, location_id, date_day, sum(units) as units from movements group by 1, 2, 3
),

days_with_counts as (
    select
        grid.sku_id,
        grid.location_id,
        grid.date_day,
        counts.wms_quantity as counted_units,
        coalesce(daily_movements.units, 0) as movement_units
    from grid
    left join counts
        on counts.sku_id = grid.sku_id and counts.location_id = grid.location_id and counts.snapshot_date = grid.date_day
    left join daily_movements
        on daily_movements.sku_id = grid.sku_id and daily_movements.location_id = grid.location_id and daily_movements.date_day = grid.date_day
),

running as (
    select
        *,
        sum(movement_units) over (partition by sku_id, location_id order by date_day rows between unbounded preceding and current row) as cumulative_movements,
        -- the how-many-th count each day follows: count() skips the days without one
        count(counted_units) over (partition by sku_id, location_id order by date_day rows between unbounded preceding and current row) as count_number
    from days_with_counts
),

anchored as (
    select
        *,
        max(counted_units) over (partition by sku_id, location_id, count_number) as last_counted_units,
        max(case when counted_units is not null then cumulative_movements end) over (partition by sku_id, location_id, count_number) as movements_at_count
    from running
)

select
    anchored.sku_id,
    anchored.location_id,
    anchored.date_day,
    anchored.last_counted_units + anchored.cumulative_movements - anchored.movements_at_count as closing_units,
    anchored.counted_units is not null as is_count_day,
    (skus.launch_date is null or skus.launch_date <= anchored.date_day)
        and (skus.discontinued_date is null or skus.discontinued_date > anchored.date_day) as is_listed
from anchored
inner join {{ ref('dim_sku') }} as skus on skus.sku_id = anchored.sku_id
