with valid_rows as (
    {{ valid_source_rows('erp_unit_conversions') }}
),

renamed as (
    select
        item_code as sku_id,
        unit,
        {{ to_number('factor_to_base') }} as factor_to_base,
        _source_file as source_file,
        _row_number as source_row_number
    from valid_rows
)

select * from renamed
