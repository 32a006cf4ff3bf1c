-- Capacity per resource and month over the S&OP horizon (from the month after the last day of
-- history): production lines' regular and overtime hours (hours a day x days in the month; the
-- plant runs every day), their hourly cost and the overtime cost (var sop_overtime_premium);
-- suppliers' units a month: the most they delivered in a month over the last year, plus var
-- sop_supplier_capacity_headroom (until suppliers send their own capacities); a supplier without
-- receipts in the last year has no known limit (capacity_units null).
with

history_end as (
    {{ history_last_day(with_periods=true) }}
),

months as (
    select dates.month_start as month, count(*) as days_in_month
    from {{ ref('dim_date') }} as dates
    cross join history_end
    where dates.month_start >= {{ dbt.date_trunc('month', dbt.dateadd('day', 1, 'history_end.last_day')) }}
        and dates.month_start < {{ dbt.dateadd('month', var('sop_horizon_months'), dbt.date_trunc('month', dbt.dateadd('day', 1, 'history_end.last_day'))) }}
    group by 1
),

supplier_months as (
    select lines.supplier_id, {{ dbt.date_trunc('month', 'lines.receipt_date') }} as month, sum(lines.received_quantity) as units
    from {{ ref('fct_purchase_order_lines') }} as lines
    cross join history_end
    where lines.receipt_date > {{ dbt.dateadd('day', -364, 'history_end.last_day') }} and lines.receipt_date <= history_end.last_day
    group by 1, 2
),

observed_capacities as (
    select supplier_id, max(units) * (1 + {{ var('sop_supplier_capacity_headroom') }}) as capacity_units
    from supplier_months
    group by 1
),

suppliers as (
    -- every source items are bought from; no receipts in the last year (or an unnamed source): no limit known, null
    select sources.resource_id as supplier_id, observed_capacities.capacity_units
    from (select distinct resource_id from {{ ref('fct_supply_sources') }} where source_type = 'purchase') as sources
    left join observed_capacities on observed_capacities.supplier_id = sources.resource_id
)

select
    lines.production_line_id as resource_id,
    'production' as source_type,
    cast(months.month as date) as month,
    months.days_in_month,
    lines.hours_per_day * months.days_in_month as regular_hours,
    lines.overtime_hours_per_day * months.days_in_month as overtime_hours,
    lines.cost_per_hour,
    lines.cost_per_hour * {{ var('sop_overtime_premium') }} as overtime_cost_per_hour,
    cast(null as double) as capacity_units
from {{ ref('dim_production_line') }} as lines
cross join months

union all

select
    suppliers.supplier_id,
    'purchase',
    cast(months.month as date),
    months.days_in_month,
    cast(null as double),
    cast(null as double),
    cast(null as double),
    cast(null as double),
    suppliers.capacity_units
from suppliers
cross join months
