-- Purchase order lines in base units (ordered in cases).
{{ config(materialized='incremental', incremental_strategy='replace_days', day_column='partition_date', on_schema_change='fail') }}

with order_lines as (
    select * from {{ ref('stg_erp__purchase_orders') }}
    where {{ in_window('partition_date') }}
),

unit_factors as (
    select * from {{ ref('int_unit_factors') }}
)

select
    order_lines.purchase_order_id,
    order_lines.purchase_order_line,
    order_lines.supplier_id,
    order_lines.sku_id,
    order_lines.location_id,
    order_lines.order_date,
    order_lines.expected_date,
    order_lines.quantity * unit_factors.factor_to_base as ordered_quantity_base,
    order_lines.received_quantity * unit_factors.factor_to_base as received_quantity_base,
    order_lines.receipt_date,
    order_lines.unit_cost / unit_factors.factor_to_base as unit_cost_base,
    order_lines.unit as ordered_unit,
    order_lines.status,
    order_lines.partition_date,
    order_lines.source_file,
    order_lines.source_row_number
from order_lines
inner join unit_factors
    on unit_factors.sku_id = order_lines.sku_id
    and unit_factors.unit = order_lines.unit
