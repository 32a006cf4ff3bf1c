-- Open supply due at a stocking location, added up per SKU x location x due day: the purchase
-- and manufacturing orders of fct_open_supply that name their receiving location (transfers in
-- transit name none until they arrive). Overdue supply keeps its own due day: each reader decides
-- what counts by when (the projection beyond its horizon, the allocation within its window).
select
    sku_id,
    location_id,
    due_date,
    sum(open_quantity) as open_quantity
from {{ ref('fct_open_supply') }}
where location_id is not null
group by 1, 2, 3
