-- Every system's item code mapped to the global SKU (the ERP item code), with validity dates.
with cross_reference as (
    select source_system, external_code, sku_id, valid_from, valid_to
    from {{ ref('stg_erp__item_xref') }}
),

erp_codes as (
    select
        'ERP' as source_system,
        sku_id as external_code,
        sku_id,
        cast(null as date) as valid_from,
        cast(null as date) as valid_to
    from {{ ref('stg_erp__items') }}
)

select * from cross_reference
union all
select * from erp_codes
