-- Customer returns: online returns received at a DC (condition, disposition, time to restock)
-- and store returns at the till, whose restocking the POS does not record (hours unknown).
-- Partitioned run: returns received in the window, returns restocked in the window and store
-- returns of the window are recomputed.
{{ config(materialized='incremental', incremental_strategy='replace_days', unique_key='return_id', day_column='return_date', on_schema_change='fail') }}

with
{% if is_incremental() %}
restocked_in_window as (
    select reference, sku_id from {{ ref('int_wms_movements') }} where event_type = 'RESTOCK' and {{ in_window('partition_date') }}
),
{% endif %}

online_returns as (
    select * from {{ ref('int_wms_movements') }} as movements
    where event_type = 'RETURN'
    {% if is_incremental() %}
    and (
        {{ in_window('partition_date') }}
        or exists (select 1 from restocked_in_window as restocked where restocked.reference = movements.reference and restocked.sku_id = movements.sku_id)
    )
    {% endif %}
),

online_channels as (
    select order_id, min(channel_id) as channel_id
    from {{ ref('int_oms_events') }}
    group by order_id
),

restocks as (
    select reference, sku_id, min(event_at) as restocked_at
    from {{ ref('int_wms_movements') }}
    where event_type = 'RESTOCK'
    group by reference, sku_id
),

online as (
    select
        online_returns.event_id as return_id,
        coalesce(online_channels.channel_id, 'UNKNOWN') as channel_id,
        online_returns.reference as order_id,
        online_returns.location_id,
        online_returns.sku_id,
        online_returns.event_at as returned_at,
        online_returns.event_date as return_date,
        online_returns.quantity_base as returned_quantity,
        online_returns.condition,
        case online_returns.condition
            when 'RESALABLE' then 'RESTOCK'
            when 'DAMAGED' then 'REFURBISH'
            else 'SCRAP'
        end as disposition,
        restocks.restocked_at,
        case when restocks.restocked_at is not null
            then {{ hours_between('online_returns.event_at', 'restocks.restocked_at') }}
        end as hours_to_restock
    from online_returns
    left join restocks
        on restocks.reference = online_returns.reference
        and restocks.sku_id = online_returns.sku_id
    left join online_channels on online_channels.order_id = online_returns.reference
),

store as (
    select
        {{ dbt.concat(["'POS-'", 'source_file', "'-'", 'cast(source_row_number as ' ~ dbt.type_string() ~ ')']) }} as return_id,
        {{ channel_of_role('store') }} as channel_id,
        cast(null as {{ dbt.type_string() }}) as order_id,
        location_id,
        sku_id,
        cast(business_date as timestamp) as returned_at,
        business_date as return_date,
        -quantity_base as returned_quantity,
        cast(null as {{ dbt.type_string() }}) as condition,
        'RESTOCK' as disposition,
        cast(null as timestamp) as restocked_at,
        cast(null as {{ dbt.type_numeric() }}) as hours_to_restock
    from {{ ref('int_pos_sales') }}
    where line_type = 'RETURN' and {{ in_window('partition_date') }}
)

select * from online
union all
select * from store
