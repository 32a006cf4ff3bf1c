-- The daily flows available to promise is cumulated from, per SKU x stocking location over the
-- projection's horizon: the stock at the start of the plan (the same value on every day of the
-- pair; zero without a stock position), the open supply due that day and the committed order
-- lines due that day, as fct_projection_inputs and fct_stock_position give them.
select
    inputs.sku_id,
    inputs.location_id,
    inputs.projection_date as date,
    coalesce(stock.on_hand_units, 0) as on_hand,
    inputs.scheduled_receipts as receipts,
    inputs.committed_units as committed
from {{ ref('fct_projection_inputs') }} as inputs
left join {{ ref('fct_stock_position') }} as stock
    on stock.sku_id = inputs.sku_id and stock.location_id = inputs.location_id
