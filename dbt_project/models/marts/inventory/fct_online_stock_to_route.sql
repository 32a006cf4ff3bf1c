-- What each location has available to sell online today, per SKU: the online channel's ATS on
-- the first day of the plan (inventory.available_to_sell, written by the asset
-- inventory/available_to_promise). Routing sends each web order line to a location with the whole
-- line in this stock.
select
    ats.location_id,
    ats.sku_id,
    ats.ats as available_quantity
from {{ source('plan', 'available_to_sell') }} as ats
where ats.channel_id in {{ channels_of_role('online') }}
    and ats.date = (select min(date) from {{ source('plan', 'available_to_sell') }})
