-- A transactional source: built with the daily models (same partitions, same dbt run).
{{ config(tags=['daily']) }}

with valid_rows as (
    {{ valid_source_rows('erp_inventory') }}
),

renamed as (
    select
        {{ parse_iso_date('snapshot_date') }} as snapshot_date,
        location_code as location_id,
        item_code as sku_id,
        {{ to_number('quantity') }} as quantity,
        unit,
        _partition_date as partition_date,
        _source_file as source_file,
        _row_number as source_row_number
    from valid_rows
)

select * from renamed
