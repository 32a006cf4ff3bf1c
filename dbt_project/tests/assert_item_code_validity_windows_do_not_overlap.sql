-- A system code maps to at most one SKU on any day: overlapping validity windows would make
-- a harmonized row fan out to two SKUs.
select first_mapping.source_system, first_mapping.external_code, first_mapping.valid_from, second_mapping.valid_from as overlapping_from
from {{ ref('int_item_codes') }} as first_mapping
inner join {{ ref('int_item_codes') }} as second_mapping
    on second_mapping.source_system = first_mapping.source_system
    and second_mapping.external_code = first_mapping.external_code
    and coalesce(second_mapping.valid_from, cast('1900-01-01' as date)) > coalesce(first_mapping.valid_from, cast('1900-01-01' as date))
    and coalesce(second_mapping.valid_from, cast('1900-01-01' as date)) <= coalesce(first_mapping.valid_to, cast('9999-12-31' as date))
