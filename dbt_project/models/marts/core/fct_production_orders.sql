-- Manufacturing orders: planned versus completed quantity and date.
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
    status,
    case when completed_date is not null then {{ dbt.datediff('due_date', 'completed_date', 'day') }} end as days_late
from {{ ref('int_production_orders') }}
