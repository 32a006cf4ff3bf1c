-- Store sales and returns per barcode and day, mapped to the global SKU (POS sells eaches).
{{ config(materialized='incremental', incremental_strategy='replace_days', day_column='partition_date', on_schema_change='fail') }}

with sales as (
    select * from {{ ref('stg_pos__sales') }}
    where {{ in_window('partition_date') }}
),

pos_codes as (
    select * from {{ ref('int_item_codes') }} where source_system in {{ code_systems_of_role('point_of_sale') }}
)

select
    sales.location_id,
    sales.business_date,
    pos_codes.sku_id,
    sales.ean,
    sales.line_type,
    sales.quantity as quantity_base,
    sales.unit_price,
    sales.net_amount,
    sales.promotion_id,
    sales.partition_date,
    sales.source_file,
    sales.source_row_number
from sales
inner join pos_codes
    on pos_codes.external_code = sales.ean
    and {{ valid_on('pos_codes', 'sales.business_date') }}
