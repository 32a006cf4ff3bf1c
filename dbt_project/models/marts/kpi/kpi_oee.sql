-- OEE (SPEC section 8) = availability x performance x quality, per production line and month of
-- completion, with the plant's total (line 'ALL'), from the ERP's production confirmations:
--   availability: run hours / (run hours + unplanned downtime hours);
--   performance: units produced (good + scrap) at the line's rated run rate, in hours, / run hours;
--   quality: good units / units produced.
-- Completed orders without confirmation hours (older exports) are left out and counted in
-- unconfirmed_orders.
with

completed_orders as (
    select
        cast({{ dbt.date_trunc('month', 'orders.completed_date') }} as date) as month,
        orders.production_line_id,
        orders.run_hours,
        orders.downtime_hours,
        orders.completed_quantity as good_units,
        orders.completed_quantity + coalesce(orders.scrap_quantity, 0) as produced_units,
        (orders.completed_quantity + coalesce(orders.scrap_quantity, 0)) / lines.run_rate_per_hour as rated_hours,
        case when orders.run_hours is null then 1 else 0 end as is_unconfirmed
    from {{ ref('fct_production_orders') }} as orders
    inner join {{ ref('dim_production_line') }} as lines on lines.production_line_id = orders.production_line_id
    where orders.completed_date is not null
),

cuts as (
    select month, production_line_id, run_hours, downtime_hours, good_units, produced_units, rated_hours, is_unconfirmed from completed_orders
    union all
    select month, 'ALL', run_hours, downtime_hours, good_units, produced_units, rated_hours, is_unconfirmed from completed_orders
),

totals as (
    select
        month,
        production_line_id,
        count(*) - sum(is_unconfirmed) as confirmed_orders,
        sum(is_unconfirmed) as unconfirmed_orders,
        sum(case when is_unconfirmed = 0 then run_hours end) as run_hours,
        sum(case when is_unconfirmed = 0 then downtime_hours end) as downtime_hours,
        sum(case when is_unconfirmed = 0 then rated_hours end) as rated_hours,
        sum(case when is_unconfirmed = 0 then good_units end) as good_units,
        sum(case when is_unconfirmed = 0 then produced_units end) as produced_units
    from cuts
    group by 1, 2
),

factors as (
    select
        *,
        run_hours / nullif(run_hours + downtime_hours, 0) as availability,
        rated_hours / nullif(run_hours, 0) as performance,
        good_units / nullif(produced_units, 0) as quality
    from totals
)

select *, availability * performance * quality as oee
from factors
