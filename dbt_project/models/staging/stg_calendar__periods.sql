-- The company's period codes by day (calendar_periods): a retail week or fiscal period named by a
-- code of the company's own, for the tables that give a period instead of dates (prices).
with valid_rows as (
    {{ valid_source_rows('calendar_periods') }}
),

renamed as (
    select
        {{ parse_iso_date('calendar_date') }} as calendar_date,
        period_code,
        _source_file as source_file,
        _row_number as source_row_number
    from valid_rows
)

select * from renamed
