-- Unit fill rate (SPEC section 8): units delivered on time over units ordered, by month of the
-- promised date, channel and customer segment, with the totals per channel and overall ('ALL').
with

due_lines as (
    select month, channel_id, customer_segment, ordered_quantity, units_on_time
    from {{ ref('fct_order_line_service') }}
),

cuts as (
    select month, channel_id, customer_segment, ordered_quantity, units_on_time from due_lines
    union all
    select month, channel_id, 'ALL', ordered_quantity, units_on_time from due_lines
    union all
    select month, 'ALL', 'ALL', ordered_quantity, units_on_time from due_lines
)

select
    month,
    channel_id,
    customer_segment,
    sum(ordered_quantity) as ordered_units,
    sum(units_on_time) as units_delivered_on_time,
    sum(units_on_time) / nullif(sum(ordered_quantity), 0) as unit_fill_rate
from cuts
group by 1, 2, 3
