-- Days of coverage (SPEC section 8): on-hand units over the mean daily forecast demand, at the
-- last day of history, by location and ABC class, with the totals per location, per class and
-- overall ('ALL'). A DC covers the demand it serves: its own customers' and the stores' it
-- replenishes (echelon demand); across locations the network's stock covers the end customers'
-- forecast (each location's own), so that no demand is counted twice. Lanes without forecast
-- demand have no coverage (null), not an infinite one.
-- Each plan adds its day (as_of_date, replaced if planned again): the history builds up run by
-- run, the month's figure being its latest day's (kpi_scorecard).
{{ config(materialized='incremental', incremental_strategy='delete+insert', unique_key=['as_of_date', 'location_id', 'abc_class'], on_schema_change='fail') }}

with

lanes as (
    select
        parameters.sku_id,
        parameters.location_id,
        parameters.abc_class,
        coalesce(stock.on_hand_units, 0) as on_hand_units,
        parameters.mean_daily_demand as served_daily_demand,
        parameters.local_mean_daily_forecast as local_daily_demand
    from {{ ref('fct_replenishment_parameters') }} as parameters
    left join {{ ref('fct_stock_position') }} as stock
        on stock.sku_id = parameters.sku_id and stock.location_id = parameters.location_id
),

cuts as (
    select location_id, abc_class, on_hand_units, served_daily_demand as daily_demand from lanes
    union all
    select location_id, 'ALL', on_hand_units, served_daily_demand from lanes
    union all
    select 'ALL', abc_class, on_hand_units, local_daily_demand from lanes
    union all
    select 'ALL', 'ALL', on_hand_units, local_daily_demand from lanes
),

history_end as (
    {{ history_last_day() }}
)

select
    history_end.last_day as as_of_date,
    cast({{ dbt.date_trunc('month', 'history_end.last_day') }} as date) as month,
    cuts.location_id,
    cuts.abc_class,
    sum(cuts.on_hand_units) as on_hand_units,
    sum(cuts.daily_demand) as mean_daily_forecast_units,
    sum(cuts.on_hand_units) / nullif(sum(cuts.daily_demand), 0) as days_of_coverage
from cuts
cross join history_end
group by 1, 2, 3, 4
