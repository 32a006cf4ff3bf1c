-- Forecast value added (FVA) of each planner override, where actuals exist: over the cells and
-- days it adjusted, the absolute error of the statistical forecast against that of the
-- statistical forecast plus the override. Positive FVA: the override brought the forecast
-- closer to what sold.
--
-- Each cell counts once, with the latest forecast made before its day that knew the override.
-- Two evaluations: on published forecasts (the forecast archive, as actuals arrive) and on the
-- latest training's backtest (the model's forecasts at past origins, so that overrides are
-- judged from the first training on).
with

history_end as (
    select max(demand_date) as last_day
    from {{ ref('fct_demand_panel') }}
    where not is_future
),

cells_with_actuals as (
    select
        cells.*,
        row_number() over (
            partition by cells.override_id, cells.forecast_source, cells.sku_id, cells.location_id, cells.channel_id, cells.forecast_date
            order by cells.origin_date desc
        ) as recency
    from {{ ref('int_forecast_override_cells') }} as cells
    cross join history_end
    where cells.forecast_date <= history_end.last_day
),

latest_cells as (
    select * from cells_with_actuals where recency = 1
),

evaluated as (
    select
        latest_cells.override_id,
        latest_cells.forecast_source,
        latest_cells.origin_date,
        actuals.units as actual_units,
        latest_cells.forecast_units as statistical_units,
        greatest(latest_cells.forecast_units + latest_cells.adjustment_units, 0) as consensus_units
    from latest_cells
    inner join {{ ref('fct_demand_panel') }} as actuals
        on actuals.sku_id = latest_cells.sku_id
        and actuals.location_id = latest_cells.location_id
        and actuals.channel_id = latest_cells.channel_id
        and actuals.demand_date = latest_cells.forecast_date
        and not actuals.is_future
),

by_override as (
    select
        override_id,
        forecast_source,
        count(*) as cells_evaluated,
        min(origin_date) as first_origin,
        max(origin_date) as last_origin,
        sum(actual_units) as actual_units,
        sum(statistical_units) as statistical_units,
        sum(consensus_units) as consensus_units,
        sum(abs(statistical_units - actual_units)) as statistical_abs_error,
        sum(abs(consensus_units - actual_units)) as consensus_abs_error
    from evaluated
    group by 1, 2
)

select
    by_override.override_id,
    by_override.forecast_source,
    overrides.author,
    overrides.reason,
    overrides.override_level,
    coalesce(overrides.sku_id, overrides.family) as target_item_or_family,
    coalesce(overrides.location_id, overrides.customer_id) as target_location_or_customer,
    overrides.start_date,
    overrides.end_date,
    overrides.adjustment_type,
    overrides.adjustment_value,
    by_override.cells_evaluated,
    by_override.first_origin,
    by_override.last_origin,
    by_override.actual_units,
    by_override.statistical_units,
    by_override.consensus_units,
    by_override.statistical_abs_error,
    by_override.consensus_abs_error,
    by_override.statistical_abs_error - by_override.consensus_abs_error as fva_units,
    (by_override.statistical_abs_error - by_override.consensus_abs_error)
        / nullif(by_override.statistical_abs_error, 0) as fva_share,
    case
        when by_override.consensus_abs_error < by_override.statistical_abs_error then 'added value'
        when by_override.consensus_abs_error > by_override.statistical_abs_error then 'destroyed value'
        else 'no effect'
    end as verdict
from by_override
inner join {{ ref('int_planner_overrides') }} as overrides on overrides.override_id = by_override.override_id
