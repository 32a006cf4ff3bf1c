-- Everything an inventory policy needs per SKU x stocking location, from the latest consensus
-- forecast: the lane (source, lead time, review period, order minimum and multiple, costs), the
-- class and its service targets, the demand pattern, the mean daily demand over the forecast
-- horizon and the standard deviation of the daily forecast error.
-- A DC's stock serves its own channels (wholesale, web, marketplace) and the stores it replenishes, so
-- its demand is the echelon's: its own forecast plus its stores', and its error spread adds
-- theirs (independent errors: variances add).
-- The error spread comes from the backtest; a series too new for the backtest takes the spread
-- its forecast's P90 implies ((P90 - mean) / 1.2816 per day), forecast_error_sd_source says which.
-- A pair without demand in the last 52 weeks (a new item) takes the targets of class C / Z.
-- Service targets: the class's (seed service_level_targets), raised at a DC to the targets of the
-- customer segments it serves (company segment_service_levels, weighted by the segments' wholesale units of
-- the SKU over the last 52 weeks) where those are higher; target_source says which decided.
with

latest_consensus as (
    select *
    from {{ ref('fct_consensus_forecast') }}
    where origin_date = (select max(origin_date) from {{ ref('fct_consensus_forecast') }})
),

horizon as (
    select count(distinct forecast_date) as horizon_days from latest_consensus
),

local_forecast as (
    -- the location's channels added up per day, then averaged over the horizon
    select
        daily.sku_id,
        daily.location_id,
        sum(daily.units) / max(horizon.horizon_days) as mean_daily_forecast,
        sum(daily.p90_spread) / max(horizon.horizon_days) as p90_implied_error_sd
    from (
        select sku_id, location_id, forecast_date, sum(consensus_units) as units,
            greatest(sum(consensus_p90_units) - sum(consensus_units), 0) / 1.2816 as p90_spread
        from latest_consensus
        group by 1, 2, 3
    ) as daily
    cross join horizon
    group by 1, 2
),

local_demand as (
    select
        lanes.sku_id,
        lanes.location_id,
        coalesce(local_forecast.mean_daily_forecast, 0) as mean_daily_forecast,
        coalesce(spread.forecast_error_sd, local_forecast.p90_implied_error_sd, 0) as forecast_error_sd,
        case
            when spread.forecast_error_sd is not null then 'backtest'
            when local_forecast.p90_implied_error_sd is not null then 'forecast_p90'
            else 'none'
        end as forecast_error_sd_source
    from {{ ref('fct_replenishment_lanes') }} as lanes
    left join local_forecast on local_forecast.sku_id = lanes.sku_id and local_forecast.location_id = lanes.location_id
    left join {{ ref('fct_forecast_error_spread') }} as spread
        on spread.sku_id = lanes.sku_id and spread.location_id = lanes.location_id
),

history_end as (
    {{ history_last_day() }}
),

segment_targets as (
    select
        lines.sku_id,
        lines.ship_from_location_id as location_id,
        sum(lines.ordered_quantity * segments.cycle_service_level) / sum(lines.ordered_quantity) as cycle_service_level,
        sum(lines.ordered_quantity * segments.fill_rate) / sum(lines.ordered_quantity) as fill_rate
    from {{ ref('fct_order_lines') }} as lines
    cross join history_end
    inner join {{ ref('stg_company__segment_service_levels') }} as segments on segments.segment = lines.customer_segment
    where lines.channel_id in {{ channels_of_role('wholesale') }}
        and lines.requested_date > {{ dbt.dateadd('day', -364, 'history_end.last_day') }}
        and lines.requested_date <= history_end.last_day
        and lines.ordered_quantity > 0
    group by 1, 2
),

served_stores as (
    -- what each DC's stores add to its demand
    select
        stores.parent_location_id as location_id,
        local_demand.sku_id,
        sum(local_demand.mean_daily_forecast) as mean_daily_forecast,
        sum(local_demand.forecast_error_sd * local_demand.forecast_error_sd) as error_variance,
        count(*) as stores
    from local_demand
    inner join {{ ref('dim_location') }} as stores on stores.location_id = local_demand.location_id
    where stores.location_type in {{ location_types_of_role('store') }}
    group by 1, 2
)

select
    lanes.sku_id,
    lanes.location_id,
    lanes.location_type,
    lanes.supply_type,
    lanes.source_id,
    lanes.lead_time_days,
    lanes.lead_time_sd_days,
    lanes.lead_time_source,
    lanes.review_period_days,
    lanes.review_anchor_date,
    lanes.lot_sizing,
    lanes.minimum_order_quantity,
    lanes.order_multiple,
    lanes.unit_cost,
    lanes.list_price,
    lanes.order_cost,
    lanes.annual_holding_rate,
    coalesce(classes.abc_class, 'C') as abc_class,
    coalesce(classes.xyz_class, 'Z') as xyz_class,
    case when classes.abc_class is null then 'default' else 'history' end as class_source,
    coalesce(classes.echelon_demand_pattern, 'smooth') as demand_pattern,
    greatest(coalesce(classes.cycle_service_level, default_targets.cycle_service_level), coalesce(segment_targets.cycle_service_level, 0))
        as cycle_service_level,
    greatest(coalesce(classes.fill_rate_target, default_targets.fill_rate), coalesce(segment_targets.fill_rate, 0)) as fill_rate_target,
    case
        when segment_targets.fill_rate > coalesce(classes.fill_rate_target, default_targets.fill_rate)
            or segment_targets.cycle_service_level > coalesce(classes.cycle_service_level, default_targets.cycle_service_level)
            then 'customer_segment'
        else 'class'
    end as target_source,
    horizon.horizon_days,
    local_demand.mean_daily_forecast as local_mean_daily_forecast,
    local_demand.forecast_error_sd as local_forecast_error_sd,
    local_demand.forecast_error_sd_source,
    coalesce(served_stores.stores, 0) as stores_served,
    local_demand.mean_daily_forecast + coalesce(served_stores.mean_daily_forecast, 0) as mean_daily_demand,
    sqrt(local_demand.forecast_error_sd * local_demand.forecast_error_sd + coalesce(served_stores.error_variance, 0)) as forecast_error_sd
from {{ ref('fct_replenishment_lanes') }} as lanes
cross join horizon
inner join local_demand on local_demand.sku_id = lanes.sku_id and local_demand.location_id = lanes.location_id
left join served_stores on served_stores.sku_id = lanes.sku_id and served_stores.location_id = lanes.location_id
left join {{ ref('fct_inventory_classes') }} as classes on classes.sku_id = lanes.sku_id and classes.location_id = lanes.location_id
left join segment_targets on segment_targets.sku_id = lanes.sku_id and segment_targets.location_id = lanes.location_id
inner join {{ ref('service_level_targets') }} as default_targets on default_targets.abc_class = 'C' and default_targets.xyz_class = 'Z'
