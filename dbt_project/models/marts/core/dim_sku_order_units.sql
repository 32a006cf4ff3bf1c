-- The unit each SKU's planned orders of each type go to the ERP in (seed erp_order_units: the
-- receiving process's unit) and its factor to the base unit; factor_to_base is null when the SKU
-- has no conversion for that unit (the publication then falls back to the base unit and records
-- it in its manifest, never a file in a unit the ERP would misread).
with settings as (
    select * from {{ ref('erp_order_units') }}
),

resolved as (
    select
        skus.sku_id,
        settings.order_type,
        settings.unit_source,
        case settings.unit_source
            when 'purchase_unit' then skus.purchase_unit
            when 'base_unit' then skus.base_unit
            else settings.unit
        end as unit,
        skus.base_unit
    from {{ ref('dim_sku') }} as skus
    cross join settings
)

select
    resolved.sku_id,
    resolved.order_type,
    resolved.unit_source,
    resolved.unit,
    case when resolved.unit = resolved.base_unit then 1.0 else factors.factor_to_base end as factor_to_base,
    resolved.base_unit
from resolved
left join {{ ref('int_unit_factors') }} as factors
    on factors.sku_id = resolved.sku_id and factors.unit = resolved.unit
