-- Factor from each (SKU, unit) to the SKU's base unit: the ERP's unit conversions; where they give
-- none, the SKU's base unit itself (factor 1: a company without conversions still counts stock in
-- it) and the company's units that carry a factor (company.yaml units factor, for every item).
-- Those defaults have no source file or row (they come from no file row; row conservation counts
-- the conversions' rows only).
with

conversions as (
    select sku_id, unit, factor_to_base, source_file, source_row_number
    from {{ ref('stg_erp__unit_conversions') }}
),

default_factors as (
    select items.sku_id, items.base_unit as unit, 1.0 as factor_to_base
    from {{ ref('stg_erp__items') }} as items
    union all
    select items.sku_id, unit_roles.unit, unit_roles.factor_to_base
    from {{ ref('stg_erp__items') }} as items
    cross join {{ ref('stg_company__unit_roles') }} as unit_roles
    where unit_roles.factor_to_base is not null and unit_roles.unit <> items.base_unit
)

select sku_id, unit, factor_to_base, source_file, source_row_number
from conversions

union all

select
    default_factors.sku_id,
    default_factors.unit,
    default_factors.factor_to_base,
    cast(null as {{ dbt.type_string() }}) as source_file,
    cast(null as {{ dbt.type_int() }}) as source_row_number
from default_factors
where not exists (
    select 1 from conversions
    where conversions.sku_id = default_factors.sku_id and conversions.unit = default_factors.unit
)
