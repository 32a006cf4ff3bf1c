-- Events that move demand (calendar_events): company-wide when neither region nor location is
-- given, else for the locations of that region, or that one location.
with valid_rows as (
    {{ valid_source_rows('calendar_events') }}
),

renamed as (
    select
        {{ parse_iso_date('event_date') }} as event_date,
        event_name,
        coalesce(event_type, event_name) as event_type,
        region,
        location_code as location_id,
        _source_file as source_file,
        _row_number as source_row_number
    from valid_rows
)

select * from renamed
