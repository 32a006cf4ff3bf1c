-- The consensus forecast: the latest published statistical forecast plus the planners'
-- overrides known at its origin, per SKU x location x channel and day of the horizon. Several
-- overrides on one cell add up; the consensus never goes below zero. Each adjusted cell names
-- its overrides with their author and reason.
with

latest_origin as (
    select max(origin_date) as origin_date
    from {{ source('forecasts', 'demand_forecast') }}
),

statistical as (
    select forecasts.*
    from {{ source('forecasts', 'demand_forecast') }} as forecasts
    inner join latest_origin on latest_origin.origin_date = forecasts.origin_date
),

override_notes as (
    select
        override_id,
        override_id || ' ' || adjustment_type || ' ' || cast(adjustment_value as {{ dbt.type_string() }})
            || ' by ' || author || ': ' || reason as note
    from {{ ref('int_planner_overrides') }}
),

adjustments as (
    select
        cells.sku_id,
        cells.location_id,
        cells.channel_id,
        cells.forecast_date,
        sum(cells.adjustment_units) as adjustment_units,
        sum(cells.p50_adjustment_units) as p50_adjustment_units,
        sum(cells.p90_adjustment_units) as p90_adjustment_units,
        count(*) as override_count,
        {{ dbt.listagg('override_notes.note', "'; '", 'order by override_notes.override_id') }} as overrides
    from {{ ref('int_forecast_override_cells') }} as cells
    inner join latest_origin on latest_origin.origin_date = cells.origin_date
    inner join override_notes on override_notes.override_id = cells.override_id
    where cells.forecast_source = 'published'
    group by 1, 2, 3, 4
)

select
    statistical.origin_date,
    statistical.sku_id,
    statistical.location_id,
    statistical.channel_id,
    statistical.forecast_date,
    statistical.forecast_units as statistical_units,
    statistical.p50_units as statistical_p50_units,
    statistical.p90_units as statistical_p90_units,
    coalesce(adjustments.adjustment_units, 0) as override_units,
    greatest(statistical.forecast_units + coalesce(adjustments.adjustment_units, 0), 0) as consensus_units,
    greatest(statistical.p50_units + coalesce(adjustments.p50_adjustment_units, 0), 0) as consensus_p50_units,
    greatest(statistical.p90_units + coalesce(adjustments.p90_adjustment_units, 0), 0) as consensus_p90_units,
    coalesce(adjustments.override_count, 0) as override_count,
    adjustments.overrides,
    statistical.model_name,
    statistical.model_version,
    statistical.mlflow_run_id
from statistical
left join adjustments
    on adjustments.sku_id = statistical.sku_id
    and adjustments.location_id = statistical.location_id
    and adjustments.channel_id = statistical.channel_id
    and adjustments.forecast_date = statistical.forecast_date
