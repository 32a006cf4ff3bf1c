-- A transactional source: built with the daily models (same partitions, same dbt run).
{{ config(tags=['daily']) }}

with valid_rows as (
    {{ valid_source_rows('oms_events') }}
),

renamed as (
    select
        event_id,
        event_type,
        {{ parse_iso_timestamp('event_time') }} as event_at,
        {{ parse_iso_timestamp('exported_at') }} as exported_at,
        order_id,
        cast(line as integer) as order_line,
        channel as channel_id,
        item as item_code,
        {{ to_number('qty') }} as quantity,
        uom as unit,
        {{ to_number('unit_price') }} as unit_price,
        ship_from as ship_from_location_id,
        customer_region,
        _partition_date as partition_date,
        _source_file as source_file,
        _row_number as source_row_number,
        _loaded_at as loaded_at
    from valid_rows
)

select * from renamed
