-- Service KPIs of SPEC section 8 by month of the promised date, channel and customer segment
-- (consumers' web and marketplace lines have the segment CONSUMER), with the totals per channel
-- and overall (cut 'ALL'):
--   OTIF: share of order lines delivered on or before the promised date and in full (delivered
--         quantity >= ordered); a line cancelled, or still open past its promised date, is not;
--   unit fill rate: units delivered on time / units ordered.
-- Lines promised after the last day of history are not due yet and do not count.
with

history_end as (
    {{ history_last_day() }}
),

due_lines as (
    select
        {{ dbt.date_trunc('month', 'lines.promised_date') }} as month,
        lines.channel_id,
        coalesce(lines.customer_segment, 'CONSUMER') as customer_segment,
        case when coalesce(lines.is_otif, false) then 1 else 0 end as otif_line,
        lines.ordered_quantity,
        case
            when lines.delivered_date <= lines.promised_date then least(coalesce(lines.delivered_quantity, 0), lines.ordered_quantity)
            else 0
        end as units_on_time
    from {{ ref('fct_order_lines') }} as lines
    cross join history_end
    where lines.promised_date <= history_end.last_day
),

cuts as (
    select month, channel_id, customer_segment, otif_line, ordered_quantity, units_on_time from due_lines
    union all
    select month, channel_id, 'ALL', otif_line, ordered_quantity, units_on_time from due_lines
    union all
    select month, 'ALL', 'ALL', otif_line, ordered_quantity, units_on_time from due_lines
)

select
    cast(month as date) as month,
    channel_id,
    customer_segment,
    count(*) as order_lines,
    sum(otif_line) as otif_lines,
    sum(otif_line) * 1.0 / count(*) as otif_rate,
    sum(ordered_quantity) as ordered_units,
    sum(units_on_time) as units_delivered_on_time,
    sum(units_on_time) / nullif(sum(ordered_quantity), 0) as unit_fill_rate
from cuts
group by 1, 2, 3
