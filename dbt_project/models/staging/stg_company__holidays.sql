-- The company's public holidays and store closures (company.yaml holidays).
-- A view: always the configuration the last run wrote (asset company/holidays).
select
    holiday_date,
    holiday_name,
    stores_closed
from {{ source('company', 'holidays') }}
