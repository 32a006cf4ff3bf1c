-- WMS physical stock snapshots per global SKU, in base units.
{{ config(materialized='incremental', incremental_strategy='replace_days', day_column='partition_date', on_schema_change='fail') }}

with stock as (
    select * from {{ ref('stg_wms__stock') }}
    where {{ in_window('partition_date') }}
),

wms_codes as (
    select * from {{ ref('int_item_codes') }} where source_system in {{ code_systems_of_role('warehouse') }}
),

unit_factors as (
    select * from {{ ref('int_unit_factors') }}
)

select
    {{ business_date('stock.snapshot_at') }} as snapshot_date,
    stock.location_id,
    wms_codes.sku_id,
    stock.quantity * unit_factors.factor_to_base as quantity_base,
    stock.partition_date,
    stock.source_file,
    stock.source_row_number
from stock
inner join wms_codes
    on wms_codes.external_code = stock.wms_code
    and {{ valid_on('wms_codes', business_date('stock.snapshot_at')) }}
inner join unit_factors
    on unit_factors.sku_id = wms_codes.sku_id
    and unit_factors.unit = stock.unit
