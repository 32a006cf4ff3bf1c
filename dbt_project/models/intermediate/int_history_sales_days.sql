-- The sales history at day grain: each row of stg_history__sales on every day of its period, a
-- day row as it is, a week's row on its 7 days and a month's on its calendar days, each day with
-- an even share of the units. The shares are rounded to 6 decimals so that a row's days add up to
-- its quantity exactly: day k holds round(q x (k + 1) / n) - round(q x k / n).
-- Whether a period's days are daily demand is company.yaml's history.spread, applied downstream:
-- fct_daily_demand takes day rows, and period rows when the spread is even; the monthly S&OP
-- history (fct_monthly_demand_history) counts every period in its months either way.
-- Incremental by the raw row's day (partition_date): the run's rows are replaced whole.
{{ config(materialized='incremental', incremental_strategy='replace_days', day_column='partition_date', on_schema_change='fail') }}

with history as (
    select
        *,
        case period
            when 'week' then 7
            when 'month' then {{ dbt.datediff('sale_date', dbt.dateadd('month', 1, 'sale_date'), 'day') }}
            else 1
        end as period_days
    from {{ ref('stg_history__sales') }}
    where {{ in_window('partition_date') }}
),

-- the offsets of a period's days from its first: 0 to 30 (a month has at most 31 days)
day_offsets as (
    {% for offset in range(31) -%}
    select {{ offset }} as day_offset{{ ' union all' if not loop.last }}
    {% endfor %}
),

days as (
    select
        history.*,
        day_offsets.day_offset,
        cast({{ dbt.dateadd('day', 'day_offsets.day_offset', 'history.sale_date') }} as date) as demand_date
    from history
    inner join day_offsets on day_offsets.day_offset < history.period_days
)

select
    sku_id,
    location_id,
    channel_id,
    demand_date,
    period,
    sale_date as period_start,
    period_days,
    cast(round(quantity * (day_offset + 1) / period_days, 6) as {{ dbt.type_numeric() }})
        - cast(round(quantity * day_offset / period_days, 6) as {{ dbt.type_numeric() }}) as units,
    unit_price,
    partition_date,
    source_file,
    source_row_number
from days
