-- A transactional source: built with the daily models (same partitions, same dbt run).
{{ config(tags=['daily']) }}

with valid_rows as (
    {{ valid_source_rows('erp_purchase_orders') }}
),

renamed as (
    select
        po_number as purchase_order_id,
        cast(po_line as integer) as purchase_order_line,
        supplier_code as supplier_id,
        item_code as sku_id,
        location_code as location_id,
        {{ parse_iso_date('order_date') }} as order_date,
        {{ parse_iso_date('expected_date') }} as expected_date,
        {{ to_number('quantity') }} as quantity,
        unit,
        {{ to_number('unit_cost') }} as unit_cost,
        {{ to_number('received_quantity') }} as received_quantity,
        {{ parse_iso_date('receipt_date') }} as receipt_date,
        status,
        _partition_date as partition_date,
        _source_file as source_file,
        _row_number as source_row_number
    from valid_rows
)

select * from renamed
