with valid_rows as (
    {{ valid_source_rows('erp_items') }}
),

renamed as (
    select
        item_code as sku_id,
        description,
        family,
        base_unit,
        purchase_unit,
        {{ parse_fr_decimal('unit_cost') }} as unit_cost,
        {{ parse_fr_decimal('list_price') }} as list_price,
        make_or_buy,
        supplier_code as supplier_id,
        production_line as production_line_id,
        cast({{ parse_fr_decimal('moq_cases') }} as integer) as moq_cases,
        {{ parse_erp_date('launch_date') }} as launch_date,
        {{ parse_erp_date('discontinued_date') }} as discontinued_date,
        _source_file as source_file,
        _row_number as source_row_number
    from valid_rows
)

select * from renamed
