-- Shortages the current plan projects: each SKU x location whose projected stock falls below zero
-- in the horizon, from its first short day, with the reason (first match wins):
--   supplier:  an open purchase order for it is overdue;
--   capacity:  a manufactured item whose family the base S&OP scenario constrains (binding
--              line hours) in the shortage's month;
--   data_quality: the company sends no stock on hand at all: the plan starts from zero stock, so
--              the shortage is what the data does not say, not a fact of the plan;
--   lead_time: otherwise: it falls short before any order released now can arrive (within the
--              lead time plus the review period), or its source is short too.
with

stock_known as (
    select exists (select 1 from {{ ref('fct_inventory_snapshots') }}) as has_stock
),

short_days as (
    select sku_id, location_id, projection_date, projected_on_hand, demand_units, plan_version
    from {{ source('plan', 'projected_inventory') }}
    where is_short
),

plan_start as (
    select min(projection_date) as first_day from {{ source('plan', 'projected_inventory') }}
),

shortages as (
    select
        sku_id,
        location_id,
        min(plan_version) as plan_version,
        min(projection_date) as first_short_date,
        count(*) as short_days,
        -min(projected_on_hand) as units_short
    from short_days
    group by 1, 2
),

overdue_supply as (
    select sku_id, location_id, min(supply_order_id) as supply_order_id, min(due_date) as due_date, min(source_id) as source_id
    from {{ ref('fct_open_supply') }}
    where is_overdue and supply_type = 'PURCHASE'
    group by 1, 2
),

binding_families as (
    select family, cast(month as date) as month, min(binding_constraint) as binding_constraint
    from {{ optional_source('sop_balancing', 'gap_report', {'scenario': dbt.type_string(), 'month': 'date', 'family': dbt.type_string(), 'demand': dbt.type_float(), 'unmet_units': dbt.type_float(), 'binding_constraint': dbt.type_string()}) }}
    where scenario = 'base' and binding_constraint <> 'none'
    group by 1, 2
),

classified as (
    select
        shortages.*,
        policies.supply_type,
        policies.source_id,
        policies.lead_time_days,
        policies.review_period_days,
        policies.list_price,
        overdue_supply.supply_order_id as overdue_order,
        overdue_supply.due_date as overdue_since,
        binding_families.binding_constraint as binding_line,
        {{ dbt.datediff('plan_start.first_day', 'shortages.first_short_date', 'day') }} as days_to_shortage,
        stock_known.has_stock
    from shortages
    cross join plan_start
    cross join stock_known
    left join {{ source('plan', 'inventory_policies') }} as policies
        on policies.sku_id = shortages.sku_id and policies.location_id = shortages.location_id
    left join overdue_supply on overdue_supply.sku_id = shortages.sku_id and overdue_supply.location_id = shortages.location_id
    left join {{ ref('dim_sku') }} as skus on skus.sku_id = shortages.sku_id
    left join binding_families
        on policies.supply_type = 'PRODUCTION' and binding_families.family = skus.family
        and binding_families.month = cast({{ dbt.date_trunc('month', 'shortages.first_short_date') }} as date)
)

select
    'projected_shortage' as exception_type,
    'plan' as horizon,
    case
        when overdue_order is not null then 'supplier'
        when binding_line is not null then 'capacity'
        when not has_stock then 'data_quality'
        else 'lead_time'
    end as reason_code,
    'projected short from ' || cast(first_short_date as {{ dbt.type_string() }}) || ' for ' || cast(short_days as {{ dbt.type_string() }}) || ' days, down to -'
    || {{ number_text('units_short') }} || ' units: '
    || case
        when overdue_order is not null then 'purchase order ' || overdue_order || ' from ' || source_id || ' overdue since ' || cast(overdue_since as {{ dbt.type_string() }})
        when binding_line is not null then 'the base S&OP scenario binds ' || binding_line || ' that month'
        when not has_stock then 'stock on hand unknown: the company sends none (erp_inventory, wms_stock), so the plan starts from zero stock'
        when days_to_shortage < lead_time_days + review_period_days
            then 'in ' || cast(days_to_shortage as {{ dbt.type_string() }}) || ' days, within the ' || {{ number_text('lead_time_days + review_period_days') }}
            || ' days of lead time and review period: no order released now arrives in time'
        else 'beyond the lead time: its source ' || coalesce(source_id, '(none)') || ' cannot cover it in time, or lot sizes leave it short'
    end as reason_detail,
    sku_id,
    location_id,
    cast(null as {{ dbt.type_string() }}) as channel_id,
    cast(null as {{ dbt.type_string() }}) as customer_id,
    plan_version as reference,
    first_short_date as exception_date,
    units_short as units,
    units_short * list_price as value  -- unknown without a list price, not 0
from classified
