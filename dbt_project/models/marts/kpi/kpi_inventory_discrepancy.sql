-- Inventory discrepancy (SPEC section 8): sum |ERP book - WMS physical| x unit cost over sum WMS
-- physical x unit cost, at each month's last count, by month and location, with the total
-- (location 'ALL'); a SKU missing on one side counts as zero there. Target below 1 %.
with

month_end_counts as (
    select month, location_id, abs(coalesce(erp_quantity, 0) - coalesce(wms_quantity, 0)) * unit_cost as absolute_discrepancy_value, wms_value
    from {{ ref('fct_month_end_counts') }}
),

cuts as (
    select month, location_id, absolute_discrepancy_value, wms_value from month_end_counts
    union all
    select month, 'ALL', absolute_discrepancy_value, wms_value from month_end_counts
)

select
    month,
    location_id,
    sum(absolute_discrepancy_value) as absolute_discrepancy_value,
    sum(wms_value) as wms_value,
    sum(absolute_discrepancy_value) / nullif(sum(wms_value), 0) as inventory_discrepancy
from cuts
group by 1, 2
