with valid_rows as (
    {{ valid_source_rows('erp_customers') }}
),

renamed as (
    select
        customer_code as customer_id,
        name as customer_name,
        segment,
        {{ to_whole_number('priority') }} as priority,
        region,
        ship_from as ship_from_location_id,
        {{ to_whole_number('payment_terms_days') }} as payment_terms_days,
        {{ to_number('reserved_buffer_pct') }} as reserved_buffer_pct,
        _source_file as source_file,
        _row_number as source_row_number
    from valid_rows
)

select * from renamed
