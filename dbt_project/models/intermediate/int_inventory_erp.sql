-- ERP book stock snapshots in base units.
{{ config(materialized='incremental', incremental_strategy='replace_days', day_column='partition_date', on_schema_change='fail') }}

with inventory as (
    select * from {{ ref('stg_erp__inventory') }}
    where {{ in_window('partition_date') }}
),

unit_factors as (
    select * from {{ ref('int_unit_factors') }}
)

select
    inventory.snapshot_date,
    inventory.location_id,
    inventory.sku_id,
    inventory.quantity * unit_factors.factor_to_base as quantity_base,
    inventory.partition_date,
    inventory.source_file,
    inventory.source_row_number
from inventory
inner join unit_factors
    on unit_factors.sku_id = inventory.sku_id
    and unit_factors.unit = inventory.unit
