with valid_rows as (
    {{ valid_source_rows('erp_promotions') }}
),

renamed as (
    select
        promo_id as promotion_id,
        item_code as sku_id,
        channel as channel_scope,
        location_code as location_id,
        {{ parse_iso_date('start_date') }} as start_date,
        {{ parse_iso_date('end_date') }} as end_date,
        {{ to_number('discount_pct') }} as discount_pct,
        _source_file as source_file,
        _row_number as source_row_number
    from valid_rows
)

select * from renamed
