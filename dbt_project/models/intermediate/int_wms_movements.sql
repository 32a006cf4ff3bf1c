-- WMS movements with the global SKU, quantities in base units and their effect on available stock.
-- Returns enter a returns area first; only a restock makes them available again.
{{ config(materialized='incremental', incremental_strategy='replace_days', day_column='partition_date', on_schema_change='fail') }}

with events as (
    select * from {{ ref('stg_wms__events') }}
    where {{ in_window('partition_date') }}
),

wms_codes as (
    select * from {{ ref('int_item_codes') }} where source_system in {{ code_systems_of_role('warehouse') }}
),

unit_factors as (
    select * from {{ ref('int_unit_factors') }}
),

harmonized as (
    select
        events.event_id,
        events.event_type,
        events.event_at,
        {{ business_date('events.event_at') }} as event_date,
        events.exported_at,
        events.location_id,
        wms_codes.sku_id,
        events.quantity * unit_factors.factor_to_base as quantity_base,
        events.unit as reported_unit,
        events.reference,
        events.reason,
        events.condition,
        {{ business_date('events.exported_at') }} > {{ business_date('events.event_at') }} as is_late,
        {{ dbt.datediff('events.event_at', 'events.exported_at', 'second') }} as export_latency_seconds,
        events.partition_date,
        events.source_file,
        events.source_row_number
    from events
    inner join wms_codes
        on wms_codes.external_code = events.wms_code
        and {{ valid_on('wms_codes', business_date('events.event_at')) }}
    inner join unit_factors
        on unit_factors.sku_id = wms_codes.sku_id
        and unit_factors.unit = events.unit
)

select
    *,
    case event_type
        when 'RECEIPT' then quantity_base
        when 'TRANSFER_IN' then quantity_base
        when 'RESTOCK' then quantity_base
        when 'SHIP' then -quantity_base
        when 'ADJUSTMENT' then quantity_base
        else 0
    end as available_stock_delta
from harmonized
