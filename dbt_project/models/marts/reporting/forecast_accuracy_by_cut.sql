-- The cockpit's forecast accuracy: WAPE and bias by family, location, channel and ABC class over
-- every month of kpi_forecast_accuracy, each month's figure weighted by its actual units.
select
    cut_type,
    cut_value,
    source,
    sum(wape * actual_units) / nullif(sum(actual_units), 0) as wape,
    sum(bias * actual_units) / nullif(sum(actual_units), 0) as bias,
    sum(actual_units) as actual_units
from {{ ref('kpi_forecast_accuracy') }}
where cut_type <> 'all'
group by all
