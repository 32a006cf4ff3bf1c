-- A transactional source: built with the daily models (same partitions, same dbt run).
{{ config(tags=['daily']) }}

with valid_rows as (
    {{ valid_source_rows('erp_production_orders') }}
),

renamed as (
    select
        mo_number as production_order_id,
        line_code as production_line_id,
        item_code as sku_id,
        location_code as location_id,
        {{ parse_iso_date('planned_start_date') }} as planned_start_date,
        {{ parse_iso_date('due_date') }} as due_date,
        {{ to_number('planned_quantity') }} as planned_quantity,
        unit,
        {{ parse_iso_date('completed_date') }} as completed_date,
        {{ to_number('completed_quantity') }} as completed_quantity,
        status,
        {{ to_number('run_hours') }} as run_hours,
        {{ to_number('downtime_hours') }} as downtime_hours,
        {{ to_number('scrap_quantity') }} as scrap_quantity,
        _partition_date as partition_date,
        _source_file as source_file,
        _row_number as source_row_number
    from valid_rows
)

select * from renamed
