-- What the guaranteed-service placement reads of each SKU x stocking location's policy
-- (inventory.inventory_policies, written by the asset inventory/inventory_policies): its supply,
-- lead time, review period, demand spread, safety stock and unit cost, with its location's role
-- (a store that buys for itself is a tree of its own).
select
    policies.sku_id,
    policies.location_id,
    policies.supply_type,
    policies.source_id,
    policies.lead_time_days,
    policies.review_period_days,
    policies.local_forecast_error_sd,
    policies.lead_time_demand_sd,
    policies.safety_stock_units,
    policies.unit_cost,
    location_types.location_role
from {{ source('plan', 'inventory_policies') }} as policies
left join {{ ref('stg_company__location_types') }} as location_types on location_types.location_type = policies.location_type
