-- Forecast accuracy (SPEC section 8): WAPE (sum |forecast - actual| / sum actual) and bias
-- (sum (forecast - actual) / sum actual; above zero: over-forecast) of the demand model's daily
-- forecasts, by month of the forecast day and by family, location, channel and ABC class (cut_type,
-- cut_value), with the overall figure (cut_type 'all'). Source: the latest training's rolling-origin
-- backtest (held-out days, forecasts made from what was known at each origin), the accuracy the
-- champion gate judged.
with

scored_days as (
    select
        cast({{ dbt.date_trunc('month', 'backtest.forecast_date') }} as date) as month,
        skus.family,
        backtest.location_id,
        backtest.channel_id,
        coalesce(classes.abc_class, 'UNCLASSIFIED') as abc_class,
        backtest.lightgbm as forecast_units,
        backtest.actual_units
    from {{ source('forecasts', 'backtest_forecasts') }} as backtest
    inner join {{ ref('dim_sku') }} as skus on skus.sku_id = backtest.sku_id
    left join {{ ref('fct_inventory_classes') }} as classes
        on classes.sku_id = backtest.sku_id and classes.location_id = backtest.location_id
),

cuts as (
    select month, 'family' as cut_type, family as cut_value, forecast_units, actual_units from scored_days
    union all
    select month, 'location', location_id, forecast_units, actual_units from scored_days
    union all
    select month, 'channel', channel_id, forecast_units, actual_units from scored_days
    union all
    select month, 'abc_class', abc_class, forecast_units, actual_units from scored_days
    union all
    select month, 'all', 'ALL', forecast_units, actual_units from scored_days
)

select
    month,
    cut_type,
    cut_value,
    'backtest' as source,
    count(*) as forecast_days,
    sum(actual_units) as actual_units,
    sum(forecast_units) as forecast_units,
    sum(abs(forecast_units - actual_units)) / nullif(sum(actual_units), 0) as wape,
    sum(forecast_units - actual_units) / nullif(sum(actual_units), 0) as bias
from cuts
group by 1, 2, 3
