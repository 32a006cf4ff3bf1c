-- B2B customers with segment and allocation priority (1 = served first).
select
    customer_id,
    customer_name,
    segment,
    priority,
    region,
    ship_from_location_id,
    payment_terms_days,
    reserved_buffer_pct
from {{ ref('stg_erp__customers') }}
