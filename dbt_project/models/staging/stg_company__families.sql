-- The product families the company lists (company.yaml families).
-- A view: always the configuration the last run wrote (asset company/families).
select
    family
from {{ source('company', 'families') }}
