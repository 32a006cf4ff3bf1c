-- Planner overrides with their target resolved to a location or a customer.
with overrides as (
    select * from {{ ref('stg_planning__overrides') }}
),

locations as (
    select location_id from {{ ref('stg_erp__locations') }}
),

customers as (
    select customer_id from {{ ref('stg_erp__customers') }}
)

select
    overrides.override_id,
    overrides.override_level,
    case when overrides.override_level = 'SKU' then overrides.target_item_or_family end as sku_id,
    case when overrides.override_level = 'FAMILY' then overrides.target_item_or_family end as family,
    locations.location_id,
    customers.customer_id,
    overrides.start_date,
    overrides.end_date,
    overrides.adjustment_type,
    overrides.adjustment_value,
    overrides.author,
    overrides.reason,
    overrides.submitted_at,
    overrides.source_file,
    overrides.source_row_number
from overrides
left join locations on locations.location_id = overrides.target_location_or_customer
left join customers on customers.customer_id = overrides.target_location_or_customer
