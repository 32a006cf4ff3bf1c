-- Every system's item code mapped to the global SKU (the ERP item code), with validity dates; the
-- item master's own codes under its code system (company code_systems, role item_master).
with cross_reference as (
    select source_system, external_code, sku_id, valid_from, valid_to
    from {{ ref('stg_erp__item_xref') }}
),

erp_codes as (
    select
        code_systems.code_system as source_system,
        items.sku_id as external_code,
        items.sku_id,
        cast(null as date) as valid_from,
        cast(null as date) as valid_to
    from {{ ref('stg_erp__items') }} as items
    inner join {{ ref('stg_company__code_systems') }} as code_systems on code_systems.code_role = 'item_master'
)

select * from cross_reference
union all
select * from erp_codes
