-- The picking load of each location online orders can ship from: the open order lines of the
-- online and marketplace channels it already ships (committed, not stale) and the online order
-- lines it can pick a day (dim_shipping_lanes). Routing weighs a location's load against its
-- capacity.
select
    lanes.location_id,
    count(distinct orders.order_id || '|' || orders.order_line) as open_lines,
    any_value(lanes.online_lines_capacity_per_day) as capacity_lines
from {{ ref('dim_shipping_lanes') }} as lanes
left join {{ ref('fct_committed_orders') }} as orders
    on orders.location_id = lanes.location_id
    and not orders.is_stale
    and orders.channel_id in {{ channels_of_role(['online', 'marketplace']) }}
group by 1
