-- OTIF (SPEC section 8): the share of due order lines delivered on or before the promised date
-- and in full, by month of the promised date, channel and customer segment, with the totals per
-- channel and overall (cut 'ALL').
with

due_lines as (
    select month, channel_id, customer_segment, case when is_otif then 1 else 0 end as otif_line
    from {{ ref('fct_order_line_service') }}
),

cuts as (
    select month, channel_id, customer_segment, otif_line from due_lines
    union all
    select month, channel_id, 'ALL', otif_line from due_lines
    union all
    select month, 'ALL', 'ALL', otif_line from due_lines
)

select
    month,
    channel_id,
    customer_segment,
    count(*) as order_lines,
    sum(otif_line) as otif_lines,
    sum(otif_line) * 1.0 / count(*) as otif_rate
from cuts
group by 1, 2, 3
