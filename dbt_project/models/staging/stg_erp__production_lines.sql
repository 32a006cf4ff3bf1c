with valid_rows as (
    {{ valid_source_rows('erp_production_lines') }}
),

renamed as (
    select
        line_code as production_line_id,
        plant_code as plant_location_id,
        family,
        {{ to_number('hours_per_day') }} as hours_per_day,
        {{ to_number('run_rate_per_hour') }} as run_rate_per_hour,
        {{ to_number('overtime_hours_per_day') }} as overtime_hours_per_day,
        {{ to_number('cost_per_hour') }} as cost_per_hour,
        _source_file as source_file,
        _row_number as source_row_number
    from valid_rows
)

select * from renamed
