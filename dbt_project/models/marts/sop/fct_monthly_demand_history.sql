-- Demand history by calendar month, product family and region (the region of the location that
-- serves it), complete months only: the input of the monthly statistical forecast. The demand is
-- the S&OP cycle's (fct_sop_daily_demand): the daily demand, and the sales history's week and
-- month rows that are not daily demand (company.yaml history.spread none) on their days, so that
-- a month row counts in its month and a week across two months in each by its days.
with

history_end as (
    {{ history_last_day(with_periods=true) }}
),

history_start as (
    select min(demand_date) as first_day from {{ ref('fct_sop_daily_demand') }}
),

monthly as (
    select
        {{ dbt.date_trunc('month', 'demand.demand_date') }} as month,
        skus.family,
        locations.region,
        sum(demand.units) as units
    from {{ ref('fct_sop_daily_demand') }} as demand
    inner join {{ ref('dim_sku') }} as skus on skus.sku_id = demand.sku_id
    inner join {{ ref('dim_location') }} as locations on locations.location_id = demand.location_id
    cross join history_end
    where demand.demand_date <= history_end.last_day
    group by 1, 2, 3
)

select cast(monthly.month as date) as month, monthly.family, monthly.region, monthly.units
from monthly
cross join history_end
cross join history_start
-- a month is complete when history covers its first and its last day
where monthly.month >= history_start.first_day
    and {{ dbt.dateadd('day', -1, dbt.dateadd('month', 1, 'monthly.month')) }} <= history_end.last_day
