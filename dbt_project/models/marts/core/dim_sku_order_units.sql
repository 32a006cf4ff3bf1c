-- The unit each SKU's planned orders of each type go to the ERP in (seed erp_order_units: the
-- receiving process's unit) and its factor to the base unit; factor_to_base is null when the SKU
-- has no conversion for that unit (the publication then falls back to the base unit and records
-- it in its manifest, never a file in a unit the ERP would misread).
-- A unit given by its role (unit_source unit, company unit_roles) is the SKU's unit of that role; a
-- SKU without one names the company's unit of the role, without a factor.
with settings as (
    select * from {{ ref('erp_order_units') }}
),

unit_roles as (
    select * from {{ ref('stg_company__unit_roles') }}
),

sku_role_units as (
    select factors.sku_id, unit_roles.unit_role, min(factors.unit) as unit
    from {{ ref('int_unit_factors') }} as factors
    inner join unit_roles on unit_roles.unit = factors.unit
    group by 1, 2
),

role_units as (
    select unit_role, min(unit) as unit from unit_roles group by 1
),

resolved as (
    select
        skus.sku_id,
        settings.order_type,
        settings.unit_source,
        case settings.unit_source
            when 'purchase_unit' then skus.purchase_unit
            when 'base_unit' then skus.base_unit
            else coalesce(sku_role_units.unit, role_units.unit)
        end as unit,
        skus.base_unit
    from {{ ref('dim_sku') }} as skus
    cross join settings
    left join sku_role_units on sku_role_units.sku_id = skus.sku_id and sku_role_units.unit_role = settings.unit_role
    left join role_units on role_units.unit_role = settings.unit_role
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
