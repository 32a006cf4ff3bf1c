with valid_rows as (
    {{ valid_source_rows('erp_suppliers') }}
),

renamed as (
    select
        supplier_code as supplier_id,
        name as supplier_name,
        {{ to_number('lead_time_days') }} as lead_time_days,
        {{ to_number('lead_time_sd_days') }} as lead_time_sd_days,
        {{ to_whole_number('payment_terms_days') }} as payment_terms_days,
        _source_file as source_file,
        _row_number as source_row_number
    from valid_rows
)

select * from renamed
