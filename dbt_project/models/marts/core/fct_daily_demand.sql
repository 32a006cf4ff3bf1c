-- Daily demand by SKU x location x channel: units in base units, revenue, average price, promotion flag.
-- The store channel (channel_role store): POS sales; online and marketplace channels: order lines
-- placed (cancelled ones too: demand that was not served is still demand), at their ship-from
-- location; the wholesale channel (channel_role wholesale): ERP order lines on their requested date
-- at the shipping DC, including lines still open (the order book: open_order_units; forecasting
-- trains on days up to its as-of date). A company's sales history (the minimal input: units sold
-- per item, location, channel and day; stg_history__sales gives the channel) fills the series
-- and days these exports do not have: where they have the same SKU, location, channel and day,
-- theirs is kept (a history that overlaps the first weeks of the systems' exports counts once).
-- Its revenue is at the row's price, else the item's list price, else unknown (null). A history
-- row may cover a week or a month (int_history_sales_days spreads it evenly over its days): its
-- days are daily demand only when company.yaml history.spread is even (stg_company__planning_settings);
-- with none, they feed the monthly S&OP history alone (fct_monthly_demand_history). Where history
-- rows of different periods give the same series and day, the finest is kept (a day's over a
-- week's share, a week's over a month's).
-- Days without demand have no row.
-- Partitioned run: the demand days that the window's raw rows fall on are recomputed whole.
{{ config(materialized='incremental', incremental_strategy='replace_days', unique_key='demand_date', day_column='demand_date', on_schema_change='fail') }}

with
{% if is_incremental() %}
affected_days as (
    select business_date as demand_date from {{ ref('int_pos_sales') }} where {{ in_window('partition_date') }}
    union
    select event_date from {{ ref('int_oms_events') }} where event_type = 'LINE_PLACED' and {{ in_window('partition_date') }}
    union
    select requested_date from {{ ref('int_sales_order_lines') }} where {{ in_window('partition_date') }}
    union
    select demand_date from {{ ref('int_history_sales_days') }} where {{ in_window('partition_date') }}
),
{% endif %}

store_sales as (
    select
        sku_id,
        location_id,
        {{ channel_of_role('store') }} as channel_id,
        business_date as demand_date,
        sum(quantity_base) as units,
        sum(coalesce(net_amount, quantity_base * unit_price)) as revenue,
        sum(case when promotion_id is not null then 1 else 0 end) > 0 as sold_on_promotion,
        cast(0 as {{ dbt.type_numeric() }}) as open_order_units
    from {{ ref('int_pos_sales') }}
    where line_type = 'SALE' and {{ only_affected('business_date', 'affected_days', 'demand_date') }}
    group by 1, 2, 3, 4
),

online_orders as (
    select
        sku_id,
        ship_from_location_id as location_id,
        channel_id,
        event_date as demand_date,
        sum(quantity_base) as units,
        sum(quantity_base * unit_price_base) as revenue,
        false as sold_on_promotion,
        cast(0 as {{ dbt.type_numeric() }}) as open_order_units
    from {{ ref('int_oms_events') }}
    where event_type = 'LINE_PLACED' and {{ only_affected('event_date', 'affected_days', 'demand_date') }}
    group by 1, 2, 3, 4
),

b2b_orders as (
    select
        sku_id,
        ship_from_location_id as location_id,
        {{ channel_of_role('wholesale') }} as channel_id,
        requested_date as demand_date,
        sum(ordered_quantity_base) as units,
        sum(ordered_quantity_base * unit_price_base) as revenue,
        false as sold_on_promotion,
        sum(case when status = 'OPEN' then ordered_quantity_base else 0 end) as open_order_units
    from {{ ref('int_sales_order_lines') }}
    where {{ only_affected('requested_date', 'affected_days', 'demand_date') }}
    group by 1, 2, 3, 4
),

history_days as (
    -- the history's days that are daily demand: day rows, and the days of week and month rows
    -- when the company spreads them (history.spread even); 1 day, 2 week, 3 month: finest first
    select
        history.*,
        case history.period when 'day' then 1 when 'week' then 2 else 3 end as fineness
    from {{ ref('int_history_sales_days') }} as history
    cross join {{ ref('stg_company__planning_settings') }} as settings
    where (history.period = 'day' or settings.history_spread = 'even')
        and {{ only_affected('history.demand_date', 'affected_days', 'demand_date') }}
),

finest_history_days as (
    select *
    from (
        select
            history_days.*,
            min(fineness) over (partition by sku_id, location_id, channel_id, demand_date) as finest
        from history_days
    ) as ranked
    where fineness = finest
),

history_sales as (
    select
        history.sku_id,
        history.location_id,
        history.channel_id,
        history.demand_date,
        sum(history.units) as units,
        sum(history.units * coalesce(history.unit_price, items.list_price)) as revenue,
        false as sold_on_promotion,
        cast(0 as {{ dbt.type_numeric() }}) as open_order_units
    from finest_history_days as history
    left join {{ ref('stg_erp__items') }} as items on items.sku_id = history.sku_id
    group by 1, 2, 3, 4
),

systems_demand as (
    select * from store_sales
    union all
    select * from online_orders
    union all
    select * from b2b_orders
),

all_demand as (
    select * from systems_demand
    union all
    select * from history_sales
    where not exists (
        select 1 from systems_demand
        where systems_demand.sku_id = history_sales.sku_id
          and systems_demand.location_id = history_sales.location_id
          and systems_demand.channel_id = history_sales.channel_id
          and systems_demand.demand_date = history_sales.demand_date
    )
),

promotions as (
    select sku_id, channel_scope, location_id, start_date, end_date from {{ ref('stg_erp__promotions') }}
),

flagged as (
    select
        all_demand.*,
        exists (
            select 1 from promotions
            where promotions.sku_id = all_demand.sku_id
              and all_demand.demand_date between promotions.start_date and promotions.end_date
              and promotions.channel_scope in ('ALL', all_demand.channel_id)
              and (promotions.location_id is null or promotions.location_id = all_demand.location_id)
        ) as promotion_active
    from all_demand
)

select
    sku_id,
    location_id,
    channel_id,
    demand_date,
    units,
    revenue,
    case when units > 0 then revenue / units end as average_price,
    sold_on_promotion or promotion_active as is_promotion,
    open_order_units
from flagged
