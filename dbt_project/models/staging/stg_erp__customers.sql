with valid_rows as (
    {{ valid_source_rows('erp_customers') }}
),

renamed as (
    select
        customer_code as customer_id,
        name as customer_name,
        segment,
        cast({{ parse_fr_decimal('priority') }} as integer) as priority,
        region,
        ship_from as ship_from_location_id,
        cast({{ parse_fr_decimal('payment_terms_days') }} as integer) as payment_terms_days,
        {{ parse_fr_decimal('reserved_buffer_pct') }} as reserved_buffer_pct,
        _source_file as source_file,
        _row_number as source_row_number
    from valid_rows
)

select * from renamed
