-- Online order-line events with the global SKU and quantities in base units.
-- The web shop sells the item master's codes; a marketplace channel (channel_role marketplace)
-- sells the marketplace's own codes (code_role marketplace), in its bundles.
{{ config(materialized='incremental', incremental_strategy='replace_days', day_column='partition_date', on_schema_change='fail') }}

with events as (
    select
        events.*,
        case when channels.channel_role = 'marketplace' then 'marketplace' else 'item_master' end as code_role
    from {{ ref('stg_oms__events') }} as events
    left join {{ ref('stg_company__channels') }} as channels on channels.channel_id = events.channel_id
    where {{ in_window('events.partition_date') }}
),

item_codes as (
    select item_codes.*, code_systems.code_role
    from {{ ref('int_item_codes') }} as item_codes
    inner join {{ ref('stg_company__code_systems') }} as code_systems on code_systems.code_system = item_codes.source_system
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
    on item_codes.code_role = events.code_role
    and item_codes.external_code = events.item_code
    and {{ valid_on('item_codes', business_date('events.event_at')) }}
inner join unit_factors
    on unit_factors.sku_id = item_codes.sku_id
    and unit_factors.unit = events.unit
