-- Plan adherence (SPEC section 8): the share of planned production orders completed within +/-5 %
-- of their planned quantity in their planned week (the ISO week of their due date), by month of
-- the due date and production line, with the total (line 'ALL'). Orders due after the last day of
-- history do not count yet; an order due but not completed is not adherent.
with

history_end as (
    {{ history_last_day() }}
),

due_orders as (
    select
        cast({{ dbt.date_trunc('month', 'orders.due_date') }} as date) as month,
        orders.production_line_id,
        case
            when orders.completed_date is not null
                and due_week.week_start = completed_week.week_start
                and abs(orders.completed_quantity - orders.planned_quantity) <= 0.05 * orders.planned_quantity
            then 1 else 0
        end as is_adherent,
        orders.planned_quantity,
        coalesce(orders.completed_quantity, 0) as completed_quantity
    from {{ ref('fct_production_orders') }} as orders
    cross join history_end
    inner join {{ ref('dim_date') }} as due_week on due_week.date_day = orders.due_date
    left join {{ ref('dim_date') }} as completed_week on completed_week.date_day = orders.completed_date
    where orders.due_date <= history_end.last_day
),

cuts as (
    select month, production_line_id, is_adherent, planned_quantity, completed_quantity from due_orders
    union all
    select month, 'ALL', is_adherent, planned_quantity, completed_quantity from due_orders
)

select
    month,
    production_line_id,
    count(*) as planned_orders,
    sum(is_adherent) as adherent_orders,
    sum(is_adherent) * 1.0 / count(*) as plan_adherence,
    sum(planned_quantity) as planned_units,
    sum(completed_quantity) as completed_units
from cuts
group by 1, 2
