-- A transactional source: built with the daily models (same partitions, same dbt run).
{{ config(tags=['daily']) }}

with valid_rows as (
    {{ valid_source_rows('pos_sales') }}
),

renamed as (
    select
        store as location_id,
        {{ parse_iso_date('business_date') }} as business_date,
        ean,
        line_type,
        {{ to_number('qty') }} as quantity,
        {{ to_number('unit_price') }} as unit_price,
        {{ to_number('net_amount') }} as net_amount,
        promo_id as promotion_id,
        _partition_date as partition_date,
        _source_file as source_file,
        _row_number as source_row_number
    from valid_rows
)

select * from renamed
