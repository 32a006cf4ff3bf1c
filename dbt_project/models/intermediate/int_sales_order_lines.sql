-- B2B order lines in base units (customers order in eaches or cases).
{{ config(materialized='incremental', incremental_strategy='replace_days', day_column='partition_date', on_schema_change='fail') }}

with order_lines as (
    select * from {{ ref('stg_erp__sales_orders') }}
    where {{ in_window('partition_date') }}
),

unit_factors as (
    select * from {{ ref('int_unit_factors') }}
)

select
    order_lines.order_id,
    order_lines.order_line,
    order_lines.customer_id,
    order_lines.sku_id,
    order_lines.ship_from_location_id,
    order_lines.order_date,
    order_lines.requested_date,
    order_lines.promised_date,
    order_lines.quantity * unit_factors.factor_to_base as ordered_quantity_base,
    order_lines.delivered_quantity * unit_factors.factor_to_base as delivered_quantity_base,
    order_lines.delivered_date,
    order_lines.unit_price / unit_factors.factor_to_base as unit_price_base,
    order_lines.unit as ordered_unit,
    order_lines.status,
    order_lines.partition_date,
    order_lines.source_file,
    order_lines.source_row_number
from order_lines
inner join unit_factors
    on unit_factors.sku_id = order_lines.sku_id
    and unit_factors.unit = order_lines.unit
