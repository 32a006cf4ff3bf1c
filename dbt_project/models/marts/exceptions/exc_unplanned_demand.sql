-- Demand the plan did not see or does not cover, reason data_quality:
--   - demand rows of the sources (POS sales, ERP sales orders, OMS events) held in quarantine:
--     they never reached the forecast (duplicates aside, which lose nothing); the raw row's item
--     code, location, day and quantity are shown as exported, the exception is dated by the day the
--     row was received (its own date may be the very thing that is wrong: a year 2056, a 2-digit
--     year), at the latest the history's last day (a replay as of an earlier day loads its files
--     after the fact), and carries the SKU when the row's item code is in the cross-reference;
--   - sales in the last var exception_cause_days of history of a SKU at a location the plan has
--     no policy for (discontinued in the item master, or no replenishment lane).
with

history_end as (
    {{ history_last_day() }}
),

quarantined_rows as (
    select source, source_file, row_number, {{ dbt.listagg('reason', "'; '", 'order by reason') }} as reasons
    from {{ source('governance', 'quarantine') }}
    where source in ('pos_sales', 'erp_sales_orders', 'oms_events') and rule <> 'duplicate_row'
    group by 1, 2, 3
),

raw_demand_rows as (
    -- the code role of the row's item code: the tills' barcodes, the item master's codes, a
    -- marketplace channel's own codes (as in int_pos_sales, int_sales_order_lines, int_oms_events)
    select 'pos_sales' as source, _source_file as source_file, _row_number as row_number, 'point_of_sale' as code_role, ean as item_code,
        store as location_code, cast(_loaded_at as date) as received_date, cast(business_date as {{ dbt.type_string() }}) as date_text,
        cast(qty as {{ dbt.type_string() }}) as quantity_text, {{ channel_of_role('store') }} as channel_id
    from {{ source('raw', 'pos_sales') }}
    union all
    select 'erp_sales_orders', _source_file, _row_number, 'item_master', item_code, ship_from, cast(_loaded_at as date), order_date,
        cast(quantity as {{ dbt.type_string() }}), {{ channel_of_role('wholesale') }}
    from {{ source('raw', 'erp_sales_orders') }}
    union all
    select 'oms_events', events._source_file, events._row_number,
        case when channels.channel_role = 'marketplace' then 'marketplace' else 'item_master' end, events.item, events.ship_from,
        cast(events._loaded_at as date), events.event_time, cast(events.qty as {{ dbt.type_string() }}), events.channel
    from {{ source('raw', 'oms_events') }} as events
    left join {{ ref('stg_company__channels') }} as channels on channels.channel_id = events.channel
),

-- what is known of the item: the SKU any mapping of the code gives (the row's day may be wrong)
item_codes as (
    select code_systems.code_role, item_codes.external_code, min(item_codes.sku_id) as sku_id
    from {{ ref('int_item_codes') }} as item_codes
    inner join {{ ref('stg_company__code_systems') }} as code_systems on code_systems.code_system = item_codes.source_system
    group by 1, 2
),

quarantined_demand as (
    select
        'unplanned_demand' as exception_type,
        'history' as horizon,
        'data_quality' as reason_code,
        quarantined_rows.source || ' row ' || quarantined_rows.source_file || ':' || cast(quarantined_rows.row_number as {{ dbt.type_string() }})
        || ' (item ' || coalesce(raw_demand_rows.item_code, '?') || ', dated ' || coalesce(raw_demand_rows.date_text, '?')
        || ', quantity ' || coalesce(raw_demand_rows.quantity_text, '?')
        || ') received on ' || coalesce(cast(raw_demand_rows.received_date as {{ dbt.type_string() }}), '?')
        || ' is in quarantine, so no forecast saw it: ' || quarantined_rows.reasons as reason_detail,
        item_codes.sku_id,
        raw_demand_rows.location_code as location_id,
        raw_demand_rows.channel_id,
        cast(null as {{ dbt.type_string() }}) as customer_id,
        quarantined_rows.source_file || ':' || cast(quarantined_rows.row_number as {{ dbt.type_string() }}) as reference,
        least(raw_demand_rows.received_date, history_end.last_day) as exception_date,
        {{ try_number('raw_demand_rows.quantity_text') }} as units,
        cast(null as {{ dbt.type_numeric() }}) as value
    from quarantined_rows
    left join raw_demand_rows
        on raw_demand_rows.source = quarantined_rows.source and raw_demand_rows.source_file = quarantined_rows.source_file
        and raw_demand_rows.row_number = quarantined_rows.row_number
    left join item_codes
        on item_codes.code_role = raw_demand_rows.code_role and item_codes.external_code = raw_demand_rows.item_code
    cross join history_end
),

recent_unplanned_sales as (
    select demand.sku_id, demand.location_id, demand.channel_id, max(demand.demand_date) as last_sale, sum(demand.units) as units, sum(demand.revenue) as revenue
    from {{ ref('fct_daily_demand') }} as demand
    cross join history_end
    where demand.demand_date > {{ dbt.dateadd('day', -var('exception_cause_days'), 'history_end.last_day') }}
        and not exists (
            select 1 from {{ source('plan', 'inventory_policies') }} as policies
            where policies.sku_id = demand.sku_id and policies.location_id = demand.location_id
        )
    group by 1, 2, 3
),

unpoliced_sales as (
    select
        'unplanned_demand' as exception_type,
        'history' as horizon,
        'data_quality' as reason_code,
        {{ number_text('sales.units') }} || ' units sold up to ' || cast(sales.last_sale as {{ dbt.type_string() }}) || ' with no inventory policy here: '
        || case
            when skus.discontinued_date is not null and skus.discontinued_date <= sales.last_sale
                then 'the item master says it was discontinued on ' || cast(skus.discontinued_date as {{ dbt.type_string() }})
            else 'no replenishment lane for this SKU at this location in the master data'
        end as reason_detail,
        sales.sku_id,
        sales.location_id,
        sales.channel_id,
        cast(null as {{ dbt.type_string() }}) as customer_id,
        cast(null as {{ dbt.type_string() }}) as reference,
        sales.last_sale as exception_date,
        sales.units,
        sales.revenue as value
    from recent_unplanned_sales as sales
    inner join {{ ref('dim_sku') }} as skus on skus.sku_id = sales.sku_id
)

select * from quarantined_demand
union all
select * from unpoliced_sales
