-- Supply on its way to a stocking location at the end of the last day of history: open purchase
-- order lines (ordered, not received), released manufacturing orders (not completed) and transfers
-- shipped from a DC and not yet received. A purchase or manufacturing order past its expected date
-- is still expected (is_overdue); a transfer in transit has no destination until it arrives (the
-- WMS ship event does not name the store), so it counts for no store's plan; one shipped more than
-- var stale_order_days ago and never received is a lost receipt, not supply.
with

history_end as (
    {{ history_last_day() }}
),

purchase_orders as (
    select
        'PURCHASE' as supply_type,
        purchase_order_id || '/' || cast(purchase_order_line as {{ dbt.type_string() }}) as supply_order_id,
        sku_id,
        location_id,
        supplier_id as source_id,
        order_date,
        expected_date as due_date,
        ordered_quantity - coalesce(received_quantity, 0) as open_quantity
    from {{ ref('fct_purchase_order_lines') }}
    where status = 'OPEN'
),

manufacturing_orders as (
    select
        'PRODUCTION' as supply_type,
        production_order_id as supply_order_id,
        sku_id,
        location_id,
        production_line_id as source_id,
        planned_start_date as order_date,
        due_date,
        planned_quantity - coalesce(completed_quantity, 0) as open_quantity
    from {{ ref('fct_production_orders') }}
    where status = 'RELEASED'
),

transfers_in_transit as (
    select
        'TRANSFER' as supply_type,
        transfer_id as supply_order_id,
        sku_id,
        cast(null as {{ dbt.type_string() }}) as location_id,
        from_location_id as source_id,
        ship_date as order_date,
        cast(null as date) as due_date,
        shipped_quantity as open_quantity
    from {{ ref('int_transfer_shipments') }}
    cross join history_end
    -- older shipments never received are lost receipts, not supply
    where arrival_date is null and ship_date > {{ dbt.dateadd('day', -var('stale_order_days'), 'history_end.last_day') }}
),

open_supply as (
    select * from purchase_orders
    union all
    select * from manufacturing_orders
    union all
    select * from transfers_in_transit
)

select
    open_supply.*,
    open_supply.due_date <= history_end.last_day as is_overdue
from open_supply
cross join history_end
where open_supply.open_quantity > 0
    and open_supply.order_date <= history_end.last_day
