-- The company's channels and their roles (company.yaml channels).
-- A view: always the configuration the last run wrote (asset company/channels).
select
    channel_id,
    channel_name,
    channel_role,
    fulfilled_from,
    description
from {{ source('company', 'channels') }}
