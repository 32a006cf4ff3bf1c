-- How each SKU is replenished at each stocking location (DCs and stores): from which source, in
-- how many days (mean and standard deviation), reviewed how often, with which order minimum,
-- multiple, ordering and holding costs. A store reviews on its own weekday (the weekday of its last
-- transfer order; every review period from that day). Stores order transfers from their parent DC; DCs buy from
-- the SKU's supplier or have it made on its production line at the plant. Discontinued SKUs are
-- not replenished and have no lane.
--   lead times: supplier lanes from fct_lead_times; production from the released-to-completed days
--   of manufacturing orders; transfers from the ship-to-receipt days of transfer orders; a lane
--   with fewer than var min_lead_time_observations observations falls back to master data
--   (suppliers) or to vars default_production_days / default_transfer_days.
-- A stocking location the data gives no source for (a store without a parent warehouse, a
-- warehouse's SKU without supplier or line) buys it: from the SKU's supplier when it has one, else
-- from a source the data does not name (source_id null), on the supplier's lead time or the
-- company's default (planning.default_lead_time_days). Without a case or pack, orders are in base
-- units (multiple 1, no minimum); without a lead-time deviation, the lead time is taken as sure.
-- Review period, order cost and holding rate: company.yaml's planning settings where set, else the
-- location role's (seed replenishment_settings).
with

history_end as (
    {{ history_last_day() }}
),

stocking_locations as (
    -- warehouses buy or have made, stores are replenished by transfer (company location_types)
    select locations.location_id, locations.location_type, location_types.location_role, locations.parent_location_id
    from {{ ref('dim_location') }} as locations
    inner join {{ ref('stg_company__location_types') }} as location_types on location_types.location_type = locations.location_type
    where location_types.location_role in ('warehouse', 'store')
),

active_skus as (
    select skus.*
    from {{ ref('dim_sku') }} as skus
    cross join history_end
    where skus.discontinued_date is null or skus.discontinued_date > history_end.last_day
),

production_history as (
    select
        production_line_id,
        location_id,
        count(*) as observations,
        avg({{ dbt.datediff('planned_start_date', 'completed_date', 'day') }}) as mean_days,
        stddev_samp({{ dbt.datediff('planned_start_date', 'completed_date', 'day') }}) as sd_days
    from {{ ref('fct_production_orders') }}
    where completed_date is not null
    group by 1, 2
),

transfer_history as (
    select
        from_location_id,
        to_location_id,
        count(*) as observations,
        avg(transit_days) as mean_days,
        stddev_samp(transit_days) as sd_days,
        -- the store's last order day: its reviews fall every review period from it
        max(ship_date) as last_order_date
    from {{ ref('int_transfer_shipments') }}
    where transit_days is not null
    group by 1, 2
),

purchase_lanes as (
    select
        skus.sku_id,
        locations.location_id,
        'PURCHASE' as supply_type,
        skus.supplier_id as source_id,
        coalesce(lead_times.observations, 0) as observations,
        coalesce(lead_times.lead_time_source, 'master_data') as lead_time_source,
        coalesce(lead_times.lead_time_days, suppliers.lead_time_days) as lead_time_days,
        coalesce(lead_times.lead_time_sd_days, suppliers.lead_time_sd_days) as lead_time_sd_days,
        skus.moq_base as minimum_order_quantity,
        skus.case_size as order_multiple,
        cast(null as date) as review_anchor_date
    from active_skus as skus
    inner join stocking_locations as locations on locations.location_role = 'warehouse'
    inner join {{ ref('dim_supplier') }} as suppliers on suppliers.supplier_id = skus.supplier_id
    left join {{ ref('fct_lead_times') }} as lead_times
        on lead_times.supplier_id = skus.supplier_id and lead_times.location_id = locations.location_id
    where skus.make_or_buy = 'BUY'
),

production_lanes as (
    select
        skus.sku_id,
        locations.location_id,
        'PRODUCTION' as supply_type,
        skus.production_line_id as source_id,
        coalesce(history.observations, 0) as observations,
        case when coalesce(history.observations, 0) >= {{ var('min_lead_time_observations') }} then 'history' else 'default' end as lead_time_source,
        case
            when coalesce(history.observations, 0) >= {{ var('min_lead_time_observations') }} then history.mean_days
            else {{ var('default_production_days') }}
        end as lead_time_days,
        case
            when coalesce(history.observations, 0) >= {{ var('min_lead_time_observations') }} then coalesce(history.sd_days, 0)
            else 0
        end as lead_time_sd_days,
        skus.moq_base as minimum_order_quantity,
        skus.case_size as order_multiple,
        cast(null as date) as review_anchor_date
    from active_skus as skus
    inner join stocking_locations as locations on locations.location_role = 'warehouse'
    left join production_history as history
        on history.production_line_id = skus.production_line_id and history.location_id = locations.location_id
    where skus.make_or_buy = 'MAKE'
),

transfer_lanes as (
    select
        skus.sku_id,
        locations.location_id,
        'TRANSFER' as supply_type,
        locations.parent_location_id as source_id,
        coalesce(history.observations, 0) as observations,
        case when coalesce(history.observations, 0) >= {{ var('min_lead_time_observations') }} then 'history' else 'default' end as lead_time_source,
        case
            when coalesce(history.observations, 0) >= {{ var('min_lead_time_observations') }} then history.mean_days
            else {{ var('default_transfer_days') }}
        end as lead_time_days,
        case
            when coalesce(history.observations, 0) >= {{ var('min_lead_time_observations') }} then coalesce(history.sd_days, 0)
            else 0
        end as lead_time_sd_days,
        -- stores receive whole WMS packs, with no minimum beyond one pack
        skus.pack_size as minimum_order_quantity,
        skus.pack_size as order_multiple,
        history.last_order_date as review_anchor_date
    from active_skus as skus
    inner join stocking_locations as locations on locations.location_role = 'store' and locations.parent_location_id is not null
    left join transfer_history as history
        on history.from_location_id = locations.parent_location_id and history.to_location_id = locations.location_id
),

sourced_lanes as (
    select * from purchase_lanes
    union all
    select * from production_lanes
    union all
    select * from transfer_lanes
),

unsourced_lanes as (
    -- every other active SKU x stocking location buys, on the supplier's lead time or the default
    select
        skus.sku_id,
        locations.location_id,
        'PURCHASE' as supply_type,
        suppliers.supplier_id as source_id,
        0 as observations,
        case when suppliers.lead_time_days is not null then 'master_data' else 'default' end as lead_time_source,
        coalesce(suppliers.lead_time_days, planning.default_lead_time_days) as lead_time_days,
        case when suppliers.lead_time_days is not null then suppliers.lead_time_sd_days end as lead_time_sd_days,
        case when locations.location_role = 'store' then skus.pack_size else skus.moq_base end as minimum_order_quantity,
        case when locations.location_role = 'store' then skus.pack_size else skus.case_size end as order_multiple,
        cast(null as date) as review_anchor_date
    from active_skus as skus
    cross join stocking_locations as locations
    cross join {{ ref('stg_company__planning_settings') }} as planning
    left join {{ ref('dim_supplier') }} as suppliers on suppliers.supplier_id = skus.supplier_id
    where not exists (
        select 1 from sourced_lanes
        where sourced_lanes.sku_id = skus.sku_id and sourced_lanes.location_id = locations.location_id
    )
),

lanes as (
    select * from sourced_lanes
    union all
    select * from unsourced_lanes
)

select
    lanes.sku_id,
    lanes.location_id,
    locations.location_type,
    lanes.supply_type,
    lanes.source_id,
    lanes.observations as lead_time_observations,
    lanes.lead_time_source,
    lanes.lead_time_days,
    coalesce(lanes.lead_time_sd_days, 0) as lead_time_sd_days,
    coalesce(planning.default_review_period_days, settings.review_period_days) as review_period_days,
    -- a day the lane reviews (its last order day), every review period from which it reviews again
    coalesce(lanes.review_anchor_date, history_end.last_day) as review_anchor_date,
    settings.lot_sizing,
    coalesce(lanes.minimum_order_quantity, 0) as minimum_order_quantity,
    coalesce(lanes.order_multiple, 1) as order_multiple,
    skus.unit_cost,
    skus.list_price,
    coalesce(planning.order_cost, settings.order_cost) as order_cost,
    coalesce(planning.annual_holding_rate, settings.annual_holding_rate) as annual_holding_rate
from lanes
cross join history_end
cross join {{ ref('stg_company__planning_settings') }} as planning
inner join stocking_locations as locations on locations.location_id = lanes.location_id
inner join {{ ref('dim_sku') }} as skus on skus.sku_id = lanes.sku_id
inner join {{ ref('replenishment_settings') }} as settings on settings.location_role = locations.location_role
