-- Transfers from a DC to a store, one row per transfer order and SKU: the DC's ship event and the
-- store's receipt, matched on the transfer reference (TO...). The WMS ship event does not name the
-- destination store, so a transfer still in transit has no to_location_id until it arrives.
-- A view: always as fresh as the stock movements it reads, whichever job refreshed them.
{{ config(materialized='view') }}
with

shipments as (
    select reference as transfer_id, sku_id, location_id as from_location_id, event_date as ship_date, quantity_base as shipped_quantity
    from {{ ref('fct_stock_movements') }}
    where event_type = 'SHIP' and reference like 'TO%'
),

arrivals as (
    select reference as transfer_id, sku_id, location_id as to_location_id, event_date as arrival_date, quantity_base as received_quantity
    from {{ ref('fct_stock_movements') }}
    where event_type = 'TRANSFER_IN'
)

select
    coalesce(shipments.transfer_id, arrivals.transfer_id) as transfer_id,
    coalesce(shipments.sku_id, arrivals.sku_id) as sku_id,
    shipments.from_location_id,
    arrivals.to_location_id,
    shipments.ship_date,
    arrivals.arrival_date,
    shipments.shipped_quantity,
    arrivals.received_quantity,
    {{ dbt.datediff('shipments.ship_date', 'arrivals.arrival_date', 'day') }} as transit_days
from shipments
full outer join arrivals on arrivals.transfer_id = shipments.transfer_id and arrivals.sku_id = shipments.sku_id
