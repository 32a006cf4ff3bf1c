-- Network locations with their echelon and the location that replenishes them.
with locations as (
    select * from {{ ref('stg_erp__locations') }}
)

select
    location_id,
    location_name,
    location_type,
    case location_type when 'PLANT' then 0 when 'DC' then 1 else 2 end as echelon,
    parent_location_id,
    region,
    location_type in ('WEB', 'MARKETPLACE') as is_virtual,
    wms_receiving_unit
from locations
