-- Replenishment lead time per lane (supplier to receiving location): mean and standard
-- deviation in days from the received purchase-order lines, or the supplier's master-data
-- figures where the lane has fewer than var min_lead_time_observations receipts.
with

received_lines as (
    select supplier_id, location_id, lead_time_days
    from {{ ref('fct_purchase_order_lines') }}
    where lead_time_days is not null
),

lane_history as (
    select
        supplier_id,
        location_id,
        count(*) as observations,
        avg(lead_time_days) as history_mean_days,
        stddev_samp(lead_time_days) as history_sd_days,
        min(lead_time_days) as history_min_days,
        max(lead_time_days) as history_max_days
    from received_lines
    group by 1, 2
),

lanes as (
    -- every lane ordered on, received or not
    select distinct supplier_id, location_id
    from {{ ref('fct_purchase_order_lines') }}
)

select
    lanes.supplier_id,
    lanes.location_id,
    coalesce(lane_history.observations, 0) as observations,
    lane_history.history_mean_days,
    lane_history.history_sd_days,
    lane_history.history_min_days,
    lane_history.history_max_days,
    suppliers.lead_time_days as master_data_days,
    suppliers.lead_time_sd_days as master_data_sd_days,
    case when coalesce(lane_history.observations, 0) >= {{ var('min_lead_time_observations') }} then 'history' else 'master_data' end as lead_time_source,
    case
        when coalesce(lane_history.observations, 0) >= {{ var('min_lead_time_observations') }} then lane_history.history_mean_days
        else suppliers.lead_time_days
    end as lead_time_days,
    case
        when coalesce(lane_history.observations, 0) >= {{ var('min_lead_time_observations') }} then coalesce(lane_history.history_sd_days, 0)
        else suppliers.lead_time_sd_days
    end as lead_time_sd_days
from lanes
left join lane_history on lane_history.supplier_id = lanes.supplier_id and lane_history.location_id = lanes.location_id
inner join {{ ref('dim_supplier') }} as suppliers on suppliers.supplier_id = lanes.supplier_id
