with valid_rows as (
    {{ valid_source_rows('erp_prices') }}
),

renamed as (
    select
        item_code as sku_id,
        channel as channel_id,
        {{ parse_iso_date('valid_from') }} as valid_from,
        {{ parse_iso_date('valid_to') }} as valid_to,
        {{ to_number('price') }} as price,
        unit as price_unit,
        _source_file as source_file,
        _row_number as source_row_number
    from valid_rows
)

select * from renamed
