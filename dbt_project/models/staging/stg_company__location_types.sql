-- The company's location types, their roles and echelons (company.yaml location_types).
-- A view: always the configuration the last run wrote (asset company/location_types).
select
    location_type,
    location_role,
    echelon
from {{ source('company', 'location_types') }}
