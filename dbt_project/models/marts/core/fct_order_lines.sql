-- Customer order lines of every channel with what was ordered, promised and delivered.
-- Wholesale lines come from the ERP (the channel of role wholesale); online lines from the OMS
-- (placed, then shipped or cancelled), promised a fixed number of days after placement, delivered
-- = shipped (the OMS has no proof of delivery, so online OTIF is measured at shipping). Store
-- sales are not order lines.
-- On-time and in-full flags are null while a line is open: it is not late or short yet.
-- Partitioned run: the lines with a raw row (ERP line, OMS event) in the window are recomputed
-- from all their events, whatever day those fall on.
{{ config(materialized='incremental', incremental_strategy='replace_days', unique_key=['channel_id', 'order_id', 'order_line'], day_column='order_date', on_schema_change='fail') }}

with
{% if is_incremental() %}
affected_b2b_lines as (
    select order_id, order_line from {{ ref('int_sales_order_lines') }} where {{ in_window('partition_date') }}
),

affected_online_lines as (
    select distinct order_id, order_line from {{ ref('int_oms_events') }} where {{ in_window('partition_date') }}
),
{% endif %}

b2b_lines as (
    select
        lines.order_id,
        lines.order_line,
        {{ channel_of_role('wholesale') }} as channel_id,
        lines.customer_id,
        customers.segment as customer_segment,
        lines.sku_id,
        lines.ship_from_location_id,
        lines.order_date,
        lines.requested_date,
        lines.promised_date,
        lines.ordered_quantity_base as ordered_quantity,
        coalesce(lines.delivered_quantity_base, 0) as delivered_quantity,
        lines.delivered_date,
        lines.unit_price_base as unit_price,
        lines.status
    from {{ ref('int_sales_order_lines') }} as lines
    left join {{ ref('stg_erp__customers') }} as customers on customers.customer_id = lines.customer_id
    {% if is_incremental() %}
    where exists (select 1 from affected_b2b_lines as affected where affected.order_id = lines.order_id and affected.order_line = lines.order_line)
    {% endif %}
),

online_events as (
    select * from {{ ref('int_oms_events') }} as events
    {% if is_incremental() %}
    where exists (select 1 from affected_online_lines as affected where affected.order_id = events.order_id and affected.order_line = events.order_line)
    {% endif %}
),

placed as (
    select * from online_events where event_type = 'LINE_PLACED'
),

outcome as (
    select
        order_id,
        order_line,
        max(case when event_type = 'LINE_SHIPPED' then event_date end) as shipped_date,
        sum(case when event_type = 'LINE_SHIPPED' then quantity_base else 0 end) as shipped_quantity,
        max(case when event_type = 'LINE_CANCELLED' then 1 else 0 end) = 1 as is_cancelled
    from online_events
    where event_type in ('LINE_SHIPPED', 'LINE_CANCELLED')
    group by order_id, order_line
),

online_lines as (
    select
        placed.order_id,
        placed.order_line,
        placed.channel_id,
        cast(null as {{ dbt.type_string() }}) as customer_id,
        cast(null as {{ dbt.type_string() }}) as customer_segment,
        placed.sku_id,
        placed.ship_from_location_id,
        placed.event_date as order_date,
        cast({{ dbt.dateadd('day', var('online_promise_days'), 'placed.event_date') }} as date) as requested_date,
        cast({{ dbt.dateadd('day', var('online_promise_days'), 'placed.event_date') }} as date) as promised_date,
        placed.quantity_base as ordered_quantity,
        coalesce(outcome.shipped_quantity, 0) as delivered_quantity,
        outcome.shipped_date as delivered_date,
        placed.unit_price_base as unit_price,
        case
            when outcome.shipped_date is not null and outcome.shipped_quantity < placed.quantity_base then 'PARTIAL'
            when outcome.shipped_date is not null then 'DELIVERED'
            when outcome.is_cancelled then 'CANCELLED'
            else 'OPEN'
        end as status
    from placed
    left join outcome
        on outcome.order_id = placed.order_id
        and outcome.order_line = placed.order_line
),

all_lines as (
    select * from b2b_lines
    union all
    select * from online_lines
),

judged as (
    select
        *,
        -- without a promise the customer's requested date is the commitment
        coalesce(promised_date, requested_date) as committed_date,
        status <> 'OPEN' as is_closed
    from all_lines
)

select
    judged.*,
    ordered_quantity * unit_price as line_value,
    case when is_closed then delivered_date is not null and delivered_date <= committed_date end as is_on_time,
    case when is_closed then delivered_quantity >= ordered_quantity end as is_in_full,
    case when is_closed then delivered_date is not null and delivered_date <= committed_date and delivered_quantity >= ordered_quantity end as is_otif
from judged
