-- Purchase order lines with ordered and received quantities and the actual lead time.
-- Partitioned run: the window's order dates are replaced (a line's partition day is its order date).
{{ config(materialized='incremental', incremental_strategy='replace_days', day_column='order_date', on_schema_change='fail') }}

select
    purchase_order_id,
    purchase_order_line,
    supplier_id,
    sku_id,
    location_id,
    order_date,
    expected_date,
    receipt_date,
    ordered_quantity_base as ordered_quantity,
    received_quantity_base as received_quantity,
    unit_cost_base as unit_cost,
    ordered_quantity_base * unit_cost_base as order_value,
    status,
    case when receipt_date is not null then {{ dbt.datediff('order_date', 'receipt_date', 'day') }} end as lead_time_days,
    case when receipt_date is not null then receipt_date <= expected_date end as is_on_time
from {{ ref('int_purchase_order_lines') }}
where {{ in_window('order_date') }}
