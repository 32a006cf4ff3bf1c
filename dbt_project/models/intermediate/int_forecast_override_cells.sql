-- What each planner override does to each forecast cell it targets: one row per override,
-- forecast (published origin or backtest origin), series and day.
--
-- An override applies to a forecast made at an origin on or after the day it was submitted, on
-- the days of its period, to the series of its SKU (or every SKU of its family) at its location
-- (a customer's: the DC shipping to it, wholesale channel; none: every location).
-- PCT changes each cell by that percentage of its statistical forecast (for a customer: of the
-- customer's share of the cell, its share of the DC's B2B demand for the SKU over the 91 days up to
-- the origin, since a B2B series is the sum of the DC's customers). ABS adds that many units
-- over the whole period: an even share per day, spread over the day's targeted cells in
-- proportion to their forecast (evenly when it is zero everywhere). Quantiles move with the
-- mean: scaled by a PCT, shifted by the units of an ABS.
with

statistical_forecasts as (
    select
        'published' as forecast_source,
        origin_date, sku_id, location_id, channel_id, forecast_date,
        forecast_units, p50_units, p90_units
    from {{ source('forecasts', 'demand_forecast') }}
    union all
    select
        'backtest' as forecast_source,
        origin_date, sku_id, location_id, channel_id, forecast_date,
        lightgbm as forecast_units, lightgbm_p50 as p50_units, lightgbm_p90 as p90_units
    from {{ source('forecasts', 'backtest_forecasts') }}
    -- a series whose first sale came after the origin had no forecast there
    where lightgbm is not null
),

overrides as (
    select
        overrides.override_id,
        overrides.sku_id,
        overrides.family,
        overrides.location_id,
        overrides.customer_id,
        customers.ship_from_location_id as customer_location_id,
        overrides.start_date,
        overrides.end_date,
        overrides.adjustment_type,
        overrides.adjustment_value,
        overrides.submitted_at,
        {{ dbt.datediff('overrides.start_date', 'overrides.end_date', 'day') }} + 1 as period_days
    from {{ ref('int_planner_overrides') }} as overrides
    left join {{ ref('dim_customer') }} as customers on customers.customer_id = overrides.customer_id
),

origins as (
    select distinct forecast_source, origin_date from statistical_forecasts
),

customer_shares as (
    -- what share of the DC's B2B demand for each SKU the override's customer made, per origin
    select
        overrides.override_id,
        origins.forecast_source,
        origins.origin_date,
        lines.sku_id,
        sum(case when lines.customer_id = overrides.customer_id then lines.ordered_quantity_base else 0 end)
            / nullif(sum(lines.ordered_quantity_base), 0) as customer_share
    from overrides
    cross join origins
    inner join {{ ref('int_sales_order_lines') }} as lines
        on lines.ship_from_location_id = overrides.customer_location_id
        and lines.requested_date > {{ dbt.dateadd('day', -91, 'origins.origin_date') }}
        and lines.requested_date <= origins.origin_date
    inner join {{ ref('dim_sku') }} as skus on skus.sku_id = lines.sku_id
    where overrides.customer_id is not null
        and (overrides.sku_id = lines.sku_id or overrides.family = skus.family)
    group by 1, 2, 3, 4
),

targeted_cells as (
    select
        overrides.override_id,
        overrides.adjustment_type,
        overrides.adjustment_value,
        overrides.period_days,
        case when overrides.customer_id is null then 1.0 else coalesce(customer_shares.customer_share, 0) end as target_share,
        forecasts.forecast_source,
        forecasts.origin_date,
        forecasts.sku_id,
        forecasts.location_id,
        forecasts.channel_id,
        forecasts.forecast_date,
        forecasts.forecast_units,
        forecasts.p50_units,
        forecasts.p90_units
    from overrides
    inner join statistical_forecasts as forecasts
        on forecasts.forecast_date between overrides.start_date and overrides.end_date
        -- known when the forecast was made: submitted by the end of the origin day
        and overrides.submitted_at < {{ dbt.dateadd('day', 1, 'forecasts.origin_date') }}
    inner join {{ ref('dim_sku') }} as skus on skus.sku_id = forecasts.sku_id
    left join customer_shares
        on customer_shares.override_id = overrides.override_id
        and customer_shares.forecast_source = forecasts.forecast_source
        and customer_shares.origin_date = forecasts.origin_date
        and customer_shares.sku_id = forecasts.sku_id
    where (overrides.sku_id = forecasts.sku_id or overrides.family = skus.family)
        and (overrides.location_id is null or overrides.location_id = forecasts.location_id)
        and (
            overrides.customer_id is null
            or (overrides.customer_location_id = forecasts.location_id and forecasts.channel_id in {{ channels_of_role('wholesale') }})
        )
),

with_day_totals as (
    select
        targeted_cells.*,
        sum(forecast_units) over (partition by forecast_source, origin_date, override_id, forecast_date) as day_target_units,
        count(*) over (partition by forecast_source, origin_date, override_id, forecast_date) as day_target_cells
    from targeted_cells
),

with_absolute_shares as (
    select
        with_day_totals.*,
        case
            when adjustment_type = 'ABS' then
                adjustment_value / period_days
                * case
                    when day_target_units > 0 then forecast_units / day_target_units
                    else 1.0 / day_target_cells
                end
        end as absolute_units
    from with_day_totals
)

select
    override_id,
    forecast_source,
    origin_date,
    sku_id,
    location_id,
    channel_id,
    forecast_date,
    adjustment_type,
    target_share,
    forecast_units,
    p50_units,
    p90_units,
    case when adjustment_type = 'PCT' then forecast_units * target_share * adjustment_value / 100 else absolute_units end as adjustment_units,
    case when adjustment_type = 'PCT' then p50_units * target_share * adjustment_value / 100 else absolute_units end as p50_adjustment_units,
    case when adjustment_type = 'PCT' then p90_units * target_share * adjustment_value / 100 else absolute_units end as p90_adjustment_units
from with_absolute_shares
