with valid_rows as (
    {{ valid_source_rows('planning_overrides') }}
),

renamed as (
    select
        override_id,
        level as override_level,
        item_or_family as target_item_or_family,
        location_or_customer as target_location_or_customer,
        {{ parse_iso_date('start_date') }} as start_date,
        {{ parse_iso_date('end_date') }} as end_date,
        adjustment_type,
        {{ to_number('value') }} as adjustment_value,
        author,
        reason,
        {{ parse_iso_timestamp('submitted_at') }} as submitted_at,
        _source_file as source_file,
        _row_number as source_row_number
    from valid_rows
)

select * from renamed
