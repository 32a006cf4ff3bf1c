-- The days the company counted its stock and how many SKU x location counts each holds
-- (fct_inventory_snapshots): what the replenishment plan reads to say why it found no stock
-- position (no counts at all, or only counts dated after the plan's first day).
select
    snapshot_date,
    count(*) as stock_counts
from {{ ref('fct_inventory_snapshots') }}
group by 1
