-- Network locations with their role and echelon (the company's location_types: by default plant 0,
-- warehouse 1, store and virtual 2), whether they are a channel's virtual location, and the
-- location that replenishes them.
with locations as (
    select * from {{ ref('stg_erp__locations') }}
),

location_types as (
    select * from {{ ref('stg_company__location_types') }}
)

select
    locations.location_id,
    locations.location_name,
    locations.location_type,
    location_types.echelon,
    locations.parent_location_id,
    {{ unassigned('locations.region') }} as region,
    coalesce(location_types.location_role = 'virtual', false) as is_virtual,
    locations.wms_receiving_unit
from locations
left join location_types on location_types.location_type = locations.location_type
