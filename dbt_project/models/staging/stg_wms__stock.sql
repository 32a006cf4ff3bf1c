-- A transactional source: built with the daily models (same partitions, same dbt run).
{{ config(tags=['daily']) }}

with valid_rows as (
    {{ valid_source_rows('wms_stock') }}
),

renamed as (
    select
        {{ parse_iso_timestamp('snapshot_time') }} as snapshot_at,
        {{ parse_iso_timestamp('exported_at') }} as exported_at,
        site as location_id,
        sku as wms_code,
        {{ to_number('qty') }} as quantity,
        uom as unit,
        _partition_date as partition_date,
        _source_file as source_file,
        _row_number as source_row_number
    from valid_rows
)

select * from renamed
