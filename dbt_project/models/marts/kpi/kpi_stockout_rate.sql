-- Stockout rate per channel (SPEC section 8): the share of listed SKU x location x days with no
-- stock at the day's close, by month, channel and location, with the channel's total (location
-- 'ALL'), and over all channels (channel 'ALL': each listed SKU x location x day once, though a
-- DC's shelves serve several channels). A channel sells from the locations that fulfilled at least var stockout_min_channel_share
-- of its units (stores for the stores; DCs for wholesale, web and marketplace); a SKU is listed
-- when active, and on a marketplace channel (channel_role marketplace) only with a marketplace code.
with

channel_units as (
    select channel_id, location_id, sum(units) as units
    from {{ ref('fct_daily_demand') }}
    group by 1, 2
),

channel_locations as (
    select channel_units.channel_id, channel_units.location_id
    from channel_units
    inner join (select channel_id, sum(units) as units from channel_units group by 1) as channel_totals
        on channel_totals.channel_id = channel_units.channel_id
    where channel_units.units >= {{ var('stockout_min_channel_share') }} * channel_totals.units
),

listed_days as (
    select
        channel_locations.channel_id,
        stock.sku_id,
        stock.location_id,
        stock.date_day,
        cast({{ dbt.date_trunc('month', 'stock.date_day') }} as date) as month,
        case when stock.closing_units <= 0 then 1 else 0 end as is_stockout
    from {{ ref('fct_daily_stock') }} as stock
    inner join channel_locations on channel_locations.location_id = stock.location_id
    inner join {{ ref('dim_sku') }} as skus on skus.sku_id = stock.sku_id
    where stock.is_listed
        and (channel_locations.channel_id not in {{ channels_of_role('marketplace') }} or skus.marketplace_code is not null)
),

listed_once as (
    select distinct sku_id, location_id, date_day, month, is_stockout from listed_days
),

cuts as (
    select month, channel_id, location_id, is_stockout from listed_days
    union all
    select month, channel_id, 'ALL', is_stockout from listed_days
    union all
    select month, 'ALL', location_id, is_stockout from listed_once
    union all
    select month, 'ALL', 'ALL', is_stockout from listed_once
)

select
    month,
    channel_id,
    location_id,
    count(*) as listed_sku_days,
    sum(is_stockout) as stockout_sku_days,
    sum(is_stockout) * 1.0 / count(*) as stockout_rate
from cuts
group by 1, 2, 3
