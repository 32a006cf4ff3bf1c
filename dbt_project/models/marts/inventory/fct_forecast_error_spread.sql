-- The spread of the daily forecast error per SKU x location, what safety stock covers (SPEC
-- section 6: the forecast error, not the raw demand variance). From the latest training's
-- backtest: the global model's mean forecast against the actual units, channels of a location
-- added up per day (stock at a location serves all of them), over every origin and day forecast.
with

daily_errors as (
    select
        origin_date,
        forecast_date,
        sku_id,
        location_id,
        sum(lightgbm) as forecast_units,
        sum(actual_units) as actual_units
    from {{ source('forecasts', 'backtest_forecasts') }}
    -- a series first sold after an origin had no forecast there
    where lightgbm is not null
    group by 1, 2, 3, 4
)

select
    sku_id,
    location_id,
    count(*) as forecast_days,
    count(distinct origin_date) as origins,
    avg(actual_units) as mean_daily_units,
    avg(forecast_units) as mean_daily_forecast,
    avg(forecast_units - actual_units) as mean_daily_error,
    stddev_samp(forecast_units - actual_units) as forecast_error_sd,
    avg(abs(forecast_units - actual_units)) as mean_absolute_error
from daily_errors
group by 1, 2
