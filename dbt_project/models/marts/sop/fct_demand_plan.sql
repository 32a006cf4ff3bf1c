-- The demand review's plan: units by calendar month, family and region over the S&OP horizon
-- (var sop_horizon_months, from the month of the first forecast day). Where the daily consensus
-- forecast covers a month's days, its units count (the planners' overrides already in it); the
-- monthly statistical forecast covers the month's other days, pro rata; overrides active on those
-- other days are added:
--   ABS: the override's units spread evenly over its days, the share of those days here; without
--        a location or customer, split over the regions by their statistical units;
--   PCT: the percentage of the statistical units of those days, for the scope it targets: a
--        family, or a SKU's share of its family's demand in the region over the last var
--        override_share_days days (times a customer's share of the SKU there, for a customer).
-- Only overrides submitted by the last day of history count, as in the consensus forecast.
-- History is the S&OP cycle's (fct_sop_daily_demand: a weekly or monthly sales history counts
-- whether or not it is daily demand); without a daily consensus (no daily series: company.yaml
-- history.spread none on such a history), the statistical forecast covers every month from the
-- day after the history.
with

history_end as (
    {{ history_last_day(with_periods=true) }}
),

latest_consensus as (
    select *
    from {{ ref('fct_consensus_forecast') }}
    where origin_date = (select max(origin_date) from {{ ref('fct_consensus_forecast') }})
),

daily_horizon as (
    -- without a daily forecast (a company whose history is weekly or monthly and not spread to
    -- days: company.yaml history.spread none), the plan starts the day after the history
    select
        coalesce(min(latest_consensus.forecast_date), cast({{ dbt.dateadd('day', 1, 'max(history_end.last_day)') }} as date)) as first_day,
        coalesce(max(latest_consensus.forecast_date), max(history_end.last_day)) as last_day
    from history_end
    left join latest_consensus on 1 = 1
),

plan_months as (
    select dates.month_start as month, count(*) as days_in_month,
        sum(case when dates.date_day between daily_horizon.first_day and daily_horizon.last_day then 1 else 0 end) as daily_forecast_days
    from {{ ref('dim_date') }} as dates
    cross join daily_horizon
    where dates.month_start >= {{ dbt.date_trunc('month', 'daily_horizon.first_day') }}
        and dates.month_start < {{ dbt.dateadd('month', var('sop_horizon_months'), dbt.date_trunc('month', 'daily_horizon.first_day')) }}
    group by 1
),

statistical as (
    select cast(month as date) as month, family, region, statistical_units
    from {{ source('sop', 'monthly_statistical_forecast') }}
),

consensus as (
    select dates.month_start as month, skus.family, locations.region, sum(latest_consensus.consensus_units) as consensus_units
    from latest_consensus
    inner join {{ ref('dim_date') }} as dates on dates.date_day = latest_consensus.forecast_date
    inner join {{ ref('dim_sku') }} as skus on skus.sku_id = latest_consensus.sku_id
    inner join {{ ref('dim_location') }} as locations on locations.location_id = latest_consensus.location_id
    group by 1, 2, 3
),

recent_demand as (
    -- the last override_share_days of history, for the SKU and customer shares
    select demand.sku_id, skus.family, locations.region, sum(demand.units) as units
    from {{ ref('fct_sop_daily_demand') }} as demand
    inner join {{ ref('dim_sku') }} as skus on skus.sku_id = demand.sku_id
    inner join {{ ref('dim_location') }} as locations on locations.location_id = demand.location_id
    cross join history_end
    where demand.demand_date > {{ dbt.dateadd('day', -var('override_share_days'), 'history_end.last_day') }}
        and demand.demand_date <= history_end.last_day
    group by 1, 2, 3
),

sku_shares as (
    select sku_id, family, region, units / nullif(sum(units) over (partition by family, region), 0) as share
    from recent_demand
),

customer_shares as (
    select lines.customer_id, lines.sku_id,
        sum(lines.ordered_quantity) / nullif(max(recent_demand.units), 0) as share
    from {{ ref('fct_order_lines') }} as lines
    inner join {{ ref('dim_location') }} as locations on locations.location_id = lines.ship_from_location_id
    inner join recent_demand on recent_demand.sku_id = lines.sku_id and recent_demand.region = locations.region
    cross join history_end
    where lines.channel_id in {{ channels_of_role('wholesale') }}
        and lines.requested_date > {{ dbt.dateadd('day', -var('override_share_days'), 'history_end.last_day') }}
        and lines.requested_date <= history_end.last_day
    group by 1, 2
),

overrides as (
    select
        overrides.*,
        coalesce(overrides.family, skus.family) as target_family,
        coalesce(locations.region, customer_locations.region) as target_region,
        {{ dbt.datediff('overrides.start_date', 'overrides.end_date', 'day') }} + 1 as override_days
    from {{ ref('int_planner_overrides') }} as overrides
    cross join history_end
    left join {{ ref('dim_sku') }} as skus on skus.sku_id = overrides.sku_id
    left join {{ ref('dim_location') }} as locations on locations.location_id = overrides.location_id
    left join {{ ref('dim_customer') }} as customers on customers.customer_id = overrides.customer_id
    left join {{ ref('dim_location') }} as customer_locations on customer_locations.location_id = customers.ship_from_location_id
    where cast(overrides.submitted_at as date) <= history_end.last_day
),

override_days_beyond as (
    -- each override's days after the daily forecast's horizon, by month
    select overrides.override_id, dates.month_start as month, count(*) as days
    from overrides
    inner join {{ ref('dim_date') }} as dates on dates.date_day between overrides.start_date and overrides.end_date
    cross join daily_horizon
    where dates.date_day > daily_horizon.last_day
    group by 1, 2
),

override_cells as (
    select
        overrides.override_id,
        overrides.adjustment_type,
        overrides.adjustment_value,
        overrides.author,
        overrides.reason,
        beyond.month,
        statistical.family,
        statistical.region,
        case
            when overrides.adjustment_type = 'ABS' then
                overrides.adjustment_value * beyond.days / overrides.override_days
                * case
                    when overrides.target_region is not null then 1
                    else statistical.statistical_units / nullif(sum(statistical.statistical_units) over (partition by overrides.override_id, beyond.month), 0)
                end
            else
                overrides.adjustment_value / 100.0 * statistical.statistical_units * beyond.days / plan_months.days_in_month
                * coalesce(case when overrides.sku_id is not null then sku_shares.share else 1 end, 0)
                * coalesce(case when overrides.customer_id is not null then customer_shares.share else 1 end, 0)
        end as override_units
    from overrides
    inner join override_days_beyond as beyond on beyond.override_id = overrides.override_id
    inner join plan_months on plan_months.month = beyond.month
    inner join statistical
        on statistical.month = beyond.month and statistical.family = overrides.target_family
        and (overrides.target_region is null or statistical.region = overrides.target_region)
    left join sku_shares on sku_shares.sku_id = overrides.sku_id and sku_shares.region = statistical.region
    left join customer_shares on customer_shares.customer_id = overrides.customer_id and customer_shares.sku_id = overrides.sku_id
),

override_totals as (
    select
        month,
        family,
        region,
        sum(override_units) as override_units,
        count(*) as override_count,
        {{ dbt.listagg('note', "'; '", 'order by override_id') }} as overrides
    from (
        select
            override_cells.*,
            override_id || ' ' || adjustment_type || ' ' || cast(adjustment_value as {{ dbt.type_string() }}) || ' by ' || author || ': ' || reason as note
        from override_cells
    ) as noted
    group by 1, 2, 3
)

select
    plan_months.month,
    statistical.family,
    statistical.region,
    plan_months.days_in_month,
    plan_months.daily_forecast_days,
    statistical.statistical_units,
    coalesce(consensus.consensus_units, 0) as consensus_units,
    statistical.statistical_units * (plan_months.days_in_month - plan_months.daily_forecast_days) / plan_months.days_in_month as statistical_units_used,
    coalesce(override_totals.override_units, 0) as override_units,
    coalesce(consensus.consensus_units, 0)
        + statistical.statistical_units * (plan_months.days_in_month - plan_months.daily_forecast_days) / plan_months.days_in_month
        + coalesce(override_totals.override_units, 0) as plan_units,
    coalesce(override_totals.override_count, 0) as override_count,
    override_totals.overrides
from plan_months
inner join statistical on statistical.month = plan_months.month
left join consensus on consensus.month = plan_months.month and consensus.family = statistical.family and consensus.region = statistical.region
left join override_totals
    on override_totals.month = plan_months.month and override_totals.family = statistical.family and override_totals.region = statistical.region
