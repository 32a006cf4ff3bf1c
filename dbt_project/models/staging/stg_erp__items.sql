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
        {{ to_number('unit_cost') }} as unit_cost,
        {{ to_number('list_price') }} as list_price,
        make_or_buy,
        supplier_code as supplier_id,
        production_line as production_line_id,
        {{ to_whole_number('moq_cases') }} as moq_cases,
        {{ parse_iso_date('launch_date') }} as launch_date,
        {{ parse_iso_date('discontinued_date') }} as discontinued_date,
        _source_file as source_file,
        _row_number as source_row_number
    from valid_rows
)

select * from renamed
