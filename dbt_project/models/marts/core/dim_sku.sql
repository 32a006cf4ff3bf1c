-- One row per global SKU (the ERP item code) with its codes in the other systems and its units.
with items as (
    select * from {{ ref('stg_erp__items') }}
),

current_codes as (
    select
        sku_id,
        max(case when source_system = 'WMS' then external_code end) as wms_code,
        max(case when source_system = 'POS' then external_code end) as ean,
        max(case when source_system = 'MKT' then external_code end) as marketplace_code
    from {{ ref('int_item_codes') }}
    where source_system <> 'ERP' and valid_to is null
    group by sku_id
),

units as (
    select
        sku_id,
        max(case when unit = 'CS' then factor_to_base end) as case_size,
        max(case when unit = 'PK6' then factor_to_base end) as pack_size,
        max(case when unit = 'BD2' then factor_to_base end) as bundle_size
    from {{ ref('int_unit_factors') }}
    group by sku_id
)

select
    items.sku_id,
    items.description,
    items.family,
    items.base_unit,
    items.purchase_unit,
    items.unit_cost,
    items.list_price,
    items.make_or_buy,
    items.supplier_id,
    items.production_line_id,
    items.moq_cases,
    items.moq_cases * units.case_size as moq_base,
    units.case_size,
    units.pack_size,
    units.bundle_size,
    items.launch_date,
    items.discontinued_date,
    current_codes.wms_code,
    current_codes.ean,
    current_codes.marketplace_code
from items
left join current_codes on current_codes.sku_id = items.sku_id
left join units on units.sku_id = items.sku_id
