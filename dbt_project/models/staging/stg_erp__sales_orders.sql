-- A transactional source: built with the daily models (same partitions, same dbt run).
{{ config(tags=['daily']) }}

with valid_rows as (
    {{ valid_source_rows('erp_sales_orders') }}
),

renamed as (
    select
        order_number as order_id,
        cast(order_line as integer) as order_line,
        customer_code as customer_id,
        item_code as sku_id,
        {{ parse_iso_date('order_date') }} as order_date,
        {{ parse_iso_date('requested_date') }} as requested_date,
        {{ parse_iso_date('promised_date') }} as promised_date,
        {{ to_number('quantity') }} as quantity,
        unit,
        {{ to_number('unit_price') }} as unit_price,
        ship_from as ship_from_location_id,
        {{ to_number('delivered_quantity') }} as delivered_quantity,
        {{ parse_iso_date('delivered_date') }} as delivered_date,
        status,
        _partition_date as partition_date,
        _source_file as source_file,
        _row_number as source_row_number
    from valid_rows
)

select * from renamed
