-- Order lines due by the last day of history (promised on or before it), with what OTIF and the
-- unit fill rate count (SPEC section 8): OTIF when delivered on or before the promised date and in
-- full (delivered >= ordered); a cancelled line, or one still open past its promised date, is not.
-- Units on time: delivered on or before the promised date, at most the ordered quantity.
-- Consumers' web and marketplace lines have the customer segment CONSUMER.
with

history_end as (
    {{ history_last_day() }}
)

select
    lines.order_id,
    lines.order_line,
    lines.channel_id,
    lines.customer_id,
    coalesce(lines.customer_segment, 'CONSUMER') as customer_segment,
    lines.sku_id,
    lines.ship_from_location_id,
    lines.order_date,
    lines.promised_date,
    cast({{ dbt.date_trunc('month', 'lines.promised_date') }} as date) as month,
    lines.status,
    lines.ordered_quantity,
    lines.delivered_quantity,
    lines.delivered_date,
    lines.unit_price,
    coalesce(lines.is_otif, false) as is_otif,
    case
        when lines.delivered_date <= lines.promised_date then least(coalesce(lines.delivered_quantity, 0), lines.ordered_quantity)
        else 0
    end as units_on_time
from {{ ref('fct_order_lines') }} as lines
cross join history_end
where lines.promised_date <= history_end.last_day
