-- Stock on hand per SKU x location x snapshot date, ERP book next to WMS physical, valued at unit cost.
-- Partitioned run: the window's snapshot dates are replaced (a snapshot's partition day is its date).
{{ config(materialized='incremental', incremental_strategy='replace_days', day_column='snapshot_date', on_schema_change='fail') }}

with erp_book as (
    select snapshot_date, location_id, sku_id, quantity_base from {{ ref('int_inventory_erp') }} where {{ in_window('snapshot_date') }}
),

wms_physical as (
    select snapshot_date, location_id, sku_id, quantity_base from {{ ref('int_inventory_wms') }} where {{ in_window('snapshot_date') }}
),

paired as (
    select
        coalesce(erp_book.snapshot_date, wms_physical.snapshot_date) as snapshot_date,
        coalesce(erp_book.location_id, wms_physical.location_id) as location_id,
        coalesce(erp_book.sku_id, wms_physical.sku_id) as sku_id,
        erp_book.quantity_base as erp_quantity,
        wms_physical.quantity_base as wms_quantity
    from erp_book
    full outer join wms_physical
        on wms_physical.snapshot_date = erp_book.snapshot_date
        and wms_physical.location_id = erp_book.location_id
        and wms_physical.sku_id = erp_book.sku_id
)

select
    paired.snapshot_date,
    paired.location_id,
    paired.sku_id,
    paired.erp_quantity,
    paired.wms_quantity,
    coalesce(paired.erp_quantity, 0) - coalesce(paired.wms_quantity, 0) as discrepancy_quantity,
    items.unit_cost,
    coalesce(paired.wms_quantity, 0) * items.unit_cost as wms_value,
    abs(coalesce(paired.erp_quantity, 0) - coalesce(paired.wms_quantity, 0)) * items.unit_cost as discrepancy_value
from paired
left join {{ ref('stg_erp__items') }} as items on items.sku_id = paired.sku_id
