-- Manufacturing orders: planned versus completed quantity and date, and the confirmation of a
-- completed order (run and downtime hours, scrap): the inputs of OEE.
-- Partitioned run: the window's planned start dates are replaced (an order's partition day).
{{ config(materialized='incremental', incremental_strategy='replace_days', day_column='planned_start_date', on_schema_change='fail') }}

select
    production_order_id,
    production_line_id,
    sku_id,
    location_id,
    planned_start_date,
    due_date,
    completed_date,
    planned_quantity_base as planned_quantity,
    completed_quantity_base as completed_quantity,
    scrap_quantity_base as scrap_quantity,
    run_hours,
    downtime_hours,
    status,
    case when completed_date is not null then {{ dbt.datediff('due_date', 'completed_date', 'day') }} end as days_late
from {{ ref('int_production_orders') }}
where {{ in_window('planned_start_date') }}
