-- Online order-line events with the global SKU and quantities in base units.
-- The web shop sells ERP items in eaches; the marketplace sells its own codes in bundles.
{{ config(materialized='incremental', incremental_strategy='replace_days', day_column='partition_date', on_schema_change='fail') }}

with events as (
    select
        *,
        case channel_id when 'MARKETPLACE' then 'MKT' else 'ERP' end as code_system
    from {{ ref('stg_oms__events') }}
    where {{ in_window('partition_date') }}
),

item_codes as (
    select * from {{ ref('int_item_codes') }}
),

unit_factors as (
    select * from {{ ref('int_unit_factors') }}
)

select
    events.event_id,
    events.event_type,
    events.event_at,
    {{ business_date('events.event_at') }} as event_date,
    events.exported_at,
    events.order_id,
    events.order_line,
    events.channel_id,
    item_codes.sku_id,
    events.quantity * unit_factors.factor_to_base as quantity_base,
    events.unit_price / unit_factors.factor_to_base as unit_price_base,
    events.ship_from_location_id,
    events.customer_region,
    {{ business_date('events.exported_at') }} > {{ business_date('events.event_at') }} as is_late,
    {{ dbt.datediff('events.event_at', 'events.exported_at', 'second') }} as export_latency_seconds,
    events.partition_date,
    events.source_file,
    events.source_row_number
from events
inner join item_codes
    on item_codes.source_system = events.code_system
    and item_codes.external_code = events.item_code
    and {{ valid_on('item_codes', business_date('events.event_at')) }}
inner join unit_factors
    on unit_factors.sku_id = item_codes.sku_id
    and unit_factors.unit = events.unit
