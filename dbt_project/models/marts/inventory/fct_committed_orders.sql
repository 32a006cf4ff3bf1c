-- Customer order lines not yet delivered at the end of the last day of history: the demand
-- already committed against stock (B2B order book, online orders not shipped), with the
-- customer's segment, allocation priority and reserved buffer. A line promised more than var
-- stale_order_days before that day is stale (a lost event or a line never closed): kept and
-- flagged, not planned.
with

history_end as (
    {{ history_last_day() }}
),

open_lines as (
    select *
    from {{ ref('fct_order_lines') }}
    where status = 'OPEN'
)

select
    open_lines.order_id,
    open_lines.order_line,
    open_lines.channel_id,
    open_lines.customer_id,
    coalesce(customers.segment, 'CONSUMER') as segment,
    -- a segment without service levels (consumers have none) ranks with the lowest priority
    coalesce(segments.allocation_priority, lowest.allocation_priority) as allocation_priority,
    coalesce(customers.reserved_buffer_pct, 0) as reserved_buffer_pct,
    customers.region as customer_region,
    open_lines.sku_id,
    open_lines.ship_from_location_id as location_id,
    open_lines.order_date,
    open_lines.requested_date,
    open_lines.promised_date,
    open_lines.ordered_quantity - coalesce(open_lines.delivered_quantity, 0) as open_quantity,
    -- past-due lines are due now: the day after the last day of history
    cast(greatest(open_lines.promised_date, {{ dbt.dateadd('day', 1, 'history_end.last_day') }}) as date) as due_date,
    open_lines.promised_date < {{ dbt.dateadd('day', -var('stale_order_days'), 'history_end.last_day') }} as is_stale
from open_lines
cross join history_end
left join {{ ref('dim_customer') }} as customers on customers.customer_id = open_lines.customer_id
left join {{ ref('stg_company__segment_service_levels') }} as segments on segments.segment = customers.segment
cross join (select max(allocation_priority) as allocation_priority from {{ ref('stg_company__segment_service_levels') }}) as lowest
where open_lines.ordered_quantity - coalesce(open_lines.delivered_quantity, 0) > 0
