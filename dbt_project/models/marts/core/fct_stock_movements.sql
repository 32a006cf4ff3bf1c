-- Physical stock movements from the WMS, in base units, with their effect on available stock.
-- Partitioned run: the window's days are replaced (an event's partition day is its event day).
{{ config(materialized='incremental', incremental_strategy='replace_days', day_column='event_date', on_schema_change='fail') }}

select
    event_id,
    event_type,
    event_at,
    event_date,
    exported_at,
    export_latency_seconds,
    is_late,
    location_id,
    sku_id,
    quantity_base,
    available_stock_delta,
    reference,
    reason,
    condition
from {{ ref('int_wms_movements') }}
where {{ in_window('event_date') }}
