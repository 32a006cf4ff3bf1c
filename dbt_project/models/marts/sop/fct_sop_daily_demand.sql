-- What the S&OP cycle counts as demand, by day: the daily demand (fct_daily_demand), and the
-- sales history's week and month rows that are not daily demand (company.yaml history.spread
-- none) on their days, an even share each (int_history_sales_days): a monthly or weekly history
-- feeds the monthly cycle (its history, its supply review's shares) whether or not daily
-- planning reads it. A period's day counts only where the daily demand has no row of its series
-- that day (a day given by the tills, the order book or a day row of the history is kept over a
-- period's share), and the finest period where periods overlap (a week's share over a month's).
-- With history.spread even, the periods' days are daily demand already: nothing is added.
{{ config(materialized='view') }}

with

period_days as (
    select
        history.sku_id,
        history.location_id,
        history.channel_id,
        history.demand_date,
        history.period,
        history.units,
        case history.period when 'week' then 2 else 3 end as fineness
    from {{ ref('int_history_sales_days') }} as history
    where history.period <> 'day'
        and not exists (
            select 1 from {{ ref('fct_daily_demand') }} as demand
            where demand.sku_id = history.sku_id
              and demand.location_id = history.location_id
              and demand.channel_id = history.channel_id
              and demand.demand_date = history.demand_date
        )
),

finest_period_days as (
    -- one row per series and day: rows of the same period that overlap (two weeks starting on
    -- different weekdays) add up, as the daily demand adds up the rows of a day
    select sku_id, location_id, channel_id, demand_date, max(period) as period, sum(units) as units
    from (
        select period_days.*, min(fineness) over (partition by sku_id, location_id, channel_id, demand_date) as finest
        from period_days
    ) as ranked
    where fineness = finest
    group by 1, 2, 3, 4
)

select sku_id, location_id, channel_id, demand_date, 'day' as period, units
from {{ ref('fct_daily_demand') }}
union all
select sku_id, location_id, channel_id, demand_date, period, units
from finest_period_days
