-- Each location's last weekly count of each month (up to the last day of history), per SKU: ERP
-- book and WMS physical units and value. The month-end stock the inventory value and the
-- inventory discrepancy read.
with

history_end as (
    {{ history_last_day() }}
),

counts as (
    select
        cast({{ dbt.date_trunc('month', 'snapshots.snapshot_date') }} as date) as month,
        snapshots.*
    from {{ ref('fct_inventory_snapshots') }} as snapshots
    cross join history_end
    where snapshots.snapshot_date <= history_end.last_day
),

last_counts as (
    select month, location_id, max(snapshot_date) as last_count from counts group by 1, 2
)

select counts.month, counts.snapshot_date, counts.location_id, counts.sku_id, counts.erp_quantity, counts.wms_quantity, counts.unit_cost, counts.wms_value
from counts
inner join last_counts
    on last_counts.month = counts.month and last_counts.location_id = counts.location_id and last_counts.last_count = counts.snapshot_date
