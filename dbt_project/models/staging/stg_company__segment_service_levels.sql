-- The company's customer segments: service targets and allocation priority (company.yaml segments).
-- A view: always the configuration the last run wrote (asset company/segment_service_levels).
select
    segment,
    cycle_service_level,
    fill_rate,
    allocation_priority
from {{ source('company', 'segment_service_levels') }}
