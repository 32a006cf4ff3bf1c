-- Inventory turnover (SPEC section 8) by month and location, with the total (location 'ALL'): the
-- month's cost of goods sold (units sold or shipped to customers x unit cost), annualized (x 365 /
-- the month's days of history: the month in progress counts its days so far), over the month's
-- average inventory value (WMS physical x unit cost, mean of its counts).
-- Months with at least one count, up to the last day of history.
with

history_end as (
    {{ history_last_day() }}
),

counts as (
    select {{ dbt.date_trunc('month', 'snapshot_date') }} as month, location_id, snapshot_date, sum(wms_value) as value
    from {{ ref('fct_inventory_snapshots') }}
    cross join history_end
    where snapshot_date <= history_end.last_day
    group by 1, 2, 3
),

monthly_value as (
    select
        month,
        location_id,
        avg(value) as average_inventory_value,
        max(case when snapshot_date = last_count then value end) as inventory_value
    from (select counts.*, max(snapshot_date) over (partition by month, location_id) as last_count from counts) as dated
    group by 1, 2
),

cost_of_goods_sold as (
    select {{ dbt.date_trunc('month', 'demand.demand_date') }} as month, demand.location_id, sum(demand.units * skus.unit_cost) as cogs
    from {{ ref('fct_daily_demand') }} as demand
    inner join {{ ref('dim_sku') }} as skus on skus.sku_id = demand.sku_id
    cross join history_end
    where demand.demand_date <= history_end.last_day
    group by 1, 2
),

by_location as (
    select monthly_value.month, monthly_value.location_id, monthly_value.inventory_value, monthly_value.average_inventory_value,
        coalesce(cost_of_goods_sold.cogs, 0) as cost_of_goods_sold
    from monthly_value
    left join cost_of_goods_sold on cost_of_goods_sold.month = monthly_value.month and cost_of_goods_sold.location_id = monthly_value.location_id
),

cuts as (
    select * from by_location
    union all
    select month, 'ALL', sum(inventory_value), sum(average_inventory_value), sum(cost_of_goods_sold) from by_location group by 1
),

covered as (
    select
        cuts.*,
        -- days of the month up to the last day of history
        {{ dbt.datediff('cuts.month', "case when " ~ dbt.dateadd('month', 1, 'cuts.month') ~ " <= history_end.last_day then " ~ dbt.dateadd('month', 1, 'cuts.month') ~ " else " ~ dbt.dateadd('day', 1, 'history_end.last_day') ~ " end", 'day') }} as days_of_history
    from cuts
    cross join history_end
)

select
    cast(month as date) as month,
    location_id,
    days_of_history,
    inventory_value,
    average_inventory_value,
    cost_of_goods_sold,
    cost_of_goods_sold * 365.0 / days_of_history / nullif(average_inventory_value, 0) as inventory_turnover
from covered
