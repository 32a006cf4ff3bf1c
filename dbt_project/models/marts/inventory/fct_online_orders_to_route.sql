-- The online (web shop: channel_role online) order lines to route to a ship-from location: those placed on the last day
-- of history, and older ones still open (not stale), with the customer's region and the location
-- the order management system chose (for comparison with the routing's choice).
with

history_end as (
    {{ history_last_day() }}
),

placed as (
    select order_id, order_line, sku_id, quantity_base as quantity, customer_region as region, event_at as ordered_at,
        ship_from_location_id as oms_ship_from_location_id, event_date
    from {{ ref('int_oms_events') }}
    where event_type = 'LINE_PLACED' and channel_id in {{ channels_of_role('online') }}
),

still_open as (
    select order_id, order_line
    from {{ ref('fct_committed_orders') }}
    where channel_id in {{ channels_of_role('online') }} and not is_stale
)

select placed.order_id, placed.order_line, placed.sku_id, placed.quantity, placed.region, placed.ordered_at, placed.oms_ship_from_location_id
from placed
cross join history_end
left join still_open on still_open.order_id = placed.order_id and still_open.order_line = placed.order_line
where placed.event_date = history_end.last_day or still_open.order_id is not null
