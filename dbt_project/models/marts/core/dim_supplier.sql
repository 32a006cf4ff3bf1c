-- Suppliers with their nominal lead time (master data) and payment terms.
select
    supplier_id,
    supplier_name,
    lead_time_days,
    lead_time_sd_days,
    payment_terms_days
from {{ ref('stg_erp__suppliers') }}
