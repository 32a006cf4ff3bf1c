-- Manufacturing orders in base units (quantities; run and downtime hours stay hours).
{{ config(materialized='incremental', incremental_strategy='replace_days', day_column='partition_date', on_schema_change='fail') }}

with production_orders as (
    select * from {{ ref('stg_erp__production_orders') }}
    where {{ in_window('partition_date') }}
),

unit_factors as (
    select * from {{ ref('int_unit_factors') }}
)

select
    production_orders.production_order_id,
    production_orders.production_line_id,
    production_orders.sku_id,
    production_orders.location_id,
    production_orders.planned_start_date,
    production_orders.due_date,
    production_orders.planned_quantity * unit_factors.factor_to_base as planned_quantity_base,
    production_orders.completed_date,
    production_orders.completed_quantity * unit_factors.factor_to_base as completed_quantity_base,
    production_orders.status,
    production_orders.run_hours,
    production_orders.downtime_hours,
    production_orders.scrap_quantity * unit_factors.factor_to_base as scrap_quantity_base,
    production_orders.partition_date,
    production_orders.source_file,
    production_orders.source_row_number
from production_orders
inner join unit_factors
    on unit_factors.sku_id = production_orders.sku_id
    and unit_factors.unit = production_orders.unit
