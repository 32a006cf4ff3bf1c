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
        {{ parse_erp_date('planned_start_date') }} as planned_start_date,
        {{ parse_erp_date('due_date') }} as due_date,
        {{ parse_fr_decimal('planned_quantity') }} as planned_quantity,
        unit,
        {{ parse_erp_date('completed_date') }} as completed_date,
        {{ parse_fr_decimal('completed_quantity') }} as completed_quantity,
        status,
        {{ parse_fr_decimal('run_hours') }} as run_hours,
        {{ parse_fr_decimal('downtime_hours') }} as downtime_hours,
        {{ parse_fr_decimal('scrap_quantity') }} as scrap_quantity,
        _partition_date as partition_date,
        _source_file as source_file,
        _row_number as source_row_number
    from valid_rows
)

select * from renamed
