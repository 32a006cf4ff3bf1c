with valid_rows as (
    {{ valid_source_rows('erp_item_xref') }}
),

renamed as (
    select
        system as source_system,
        external_code,
        item_code as sku_id,
        {{ parse_iso_date('valid_from') }} as valid_from,
        {{ parse_iso_date('valid_to') }} as valid_to,
        _source_file as source_file,
        _row_number as source_row_number
    from valid_rows
)

select * from renamed
