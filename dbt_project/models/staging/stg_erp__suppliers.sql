with valid_rows as (
    {{ valid_source_rows('erp_suppliers') }}
),

renamed as (
    select
        supplier_code as supplier_id,
        name as supplier_name,
        {{ parse_fr_decimal('lead_time_days') }} as lead_time_days,
        {{ parse_fr_decimal('lead_time_sd_days') }} as lead_time_sd_days,
        cast({{ parse_fr_decimal('payment_terms_days') }} as integer) as payment_terms_days,
        _source_file as source_file,
        _row_number as source_row_number
    from valid_rows
)

select * from renamed
