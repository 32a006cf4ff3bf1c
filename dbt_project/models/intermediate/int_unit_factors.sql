-- Factor from each (SKU, unit) to the SKU's base unit (EA).
select
    sku_id,
    unit,
    factor_to_base,
    source_file,
    source_row_number
from {{ ref('stg_erp__unit_conversions') }}
