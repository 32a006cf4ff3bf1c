-- One row per global SKU (the ERP item code) with its codes in the other systems and its units:
-- the current code of each code role (company code_systems: warehouse, point_of_sale, marketplace)
-- and the size of the SKU's unit of each unit role (company unit_roles: case, store_pack, bundle).
with items as (
    select * from {{ ref('stg_erp__items') }}
),

current_codes as (
    select
        item_codes.sku_id,
        max(case when code_systems.code_role = 'warehouse' then item_codes.external_code end) as wms_code,
        max(case when code_systems.code_role = 'point_of_sale' then item_codes.external_code end) as ean,
        max(case when code_systems.code_role = 'marketplace' then item_codes.external_code end) as marketplace_code
    from {{ ref('int_item_codes') }} as item_codes
    inner join {{ ref('stg_company__code_systems') }} as code_systems on code_systems.code_system = item_codes.source_system
    where code_systems.code_role <> 'item_master' and item_codes.valid_to is null
    group by item_codes.sku_id
),

units as (
    select
        factors.sku_id,
        max(case when unit_roles.unit_role = 'case' then factors.factor_to_base end) as case_size,
        max(case when unit_roles.unit_role = 'store_pack' then factors.factor_to_base end) as pack_size,
        max(case when unit_roles.unit_role = 'bundle' then factors.factor_to_base end) as bundle_size
    from {{ ref('int_unit_factors') }} as factors
    inner join {{ ref('stg_company__unit_roles') }} as unit_roles on unit_roles.unit = factors.unit
    group by factors.sku_id
)

select
    items.sku_id,
    items.description,
    {{ unassigned('items.family') }} as family,
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
