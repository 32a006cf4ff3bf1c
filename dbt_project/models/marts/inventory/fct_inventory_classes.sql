-- ABC x XYZ class of every SKU at every location where it had demand over the last 52 weeks of
-- history, with the service-level targets of its class (seed service_level_targets, which
-- planners edit).
-- ABC within each location by demand value at unit cost (A: the first 80 % of the location's
-- value, B: the next 15 %, C: the rest); by units where an item sold there has no unit cost (the
-- minimal input: every item would otherwise be C), abc_basis saying which. XYZ by the coefficient of variation of weekly demand
-- over the 52 weeks ending on the last day of history (or the weeks since the item's first demand
-- at the location, if fewer), weeks without demand counting as zero (X: up to var xyz_x_max_cv,
-- Y: up to xyz_y_max_cv, Z: above). The demand pattern (Syntetos-Boylan: smooth, erratic,
-- intermittent, lumpy) from daily demand over the same days: the average interval between days
-- with demand and the squared coefficient of variation of the non-zero daily quantities; at a DC
-- also that of its echelon (its own channels and the stores it replenishes), which its stock serves.
{% set weeks = 52 %}

with

history_end as (
    {{ history_last_day() }}
),

weekly_demand as (
    select
        demand.sku_id,
        demand.location_id,
        floor({{ dbt.datediff('demand.demand_date', 'history_end.last_day', 'day') }} / 7) as weeks_before_end,
        sum(demand.units) as units
    from {{ ref('fct_daily_demand') }} as demand
    cross join history_end
    where demand.demand_date > {{ dbt.dateadd('day', -7 * weeks, 'history_end.last_day') }}
        and demand.demand_date <= history_end.last_day
    group by 1, 2, 3
),

first_demand as (
    select sku_id, location_id, min(demand_date) as first_day
    from {{ ref('fct_daily_demand') }}
    group by 1, 2
),

observed_weeks as (
    -- a new item is judged on the weeks since its first demand, not on a year of zeros
    select
        first_demand.sku_id,
        first_demand.location_id,
        least({{ weeks }}, floor({{ dbt.datediff('first_demand.first_day', 'history_end.last_day', 'day') }} / 7) + 1) as weeks
    from first_demand
    cross join history_end
),

weekly_sums as (
    select sku_id, location_id, sum(units) as units, sum(units * units) as squared_units, count(*) as weeks_with_demand
    from weekly_demand
    group by 1, 2
),

demand_statistics as (
    -- moments over the observed weeks: the weeks without a row are zeros, which add nothing to the sums
    select
        weekly_sums.sku_id,
        weekly_sums.location_id,
        weekly_sums.units,
        observed_weeks.weeks as weeks_observed,
        weekly_sums.weeks_with_demand,
        weekly_sums.units / observed_weeks.weeks as mean_weekly_units,
        case
            when observed_weeks.weeks > 1 then
                sqrt(greatest(weekly_sums.squared_units - weekly_sums.units * weekly_sums.units / observed_weeks.weeks, 0) / (observed_weeks.weeks - 1))
            else 0
        end as sd_weekly_units
    from weekly_sums
    inner join observed_weeks on observed_weeks.sku_id = weekly_sums.sku_id and observed_weeks.location_id = weekly_sums.location_id
),

daily_sizes as (
    -- the location's channels added up per day, days with demand only
    select demand.sku_id, demand.location_id, demand.demand_date, sum(demand.units) as units
    from {{ ref('fct_daily_demand') }} as demand
    cross join history_end
    where demand.demand_date > {{ dbt.dateadd('day', -7 * weeks, 'history_end.last_day') }}
        and demand.demand_date <= history_end.last_day
    group by 1, 2, 3
    having sum(demand.units) > 0
),

echelon_daily_sizes as (
    -- a DC's days: its own channels and its stores' sales added up
    select
        daily_sizes.sku_id,
        coalesce(stores.parent_location_id, daily_sizes.location_id) as location_id,
        daily_sizes.demand_date,
        sum(daily_sizes.units) as units
    from daily_sizes
    left join {{ ref('dim_location') }} as stores
        on stores.location_id = daily_sizes.location_id and stores.location_type in {{ location_types_of_role('store') }}
    group by 1, 2, 3
),

pattern_days as (
    select sku_id, location_id, 'own' as scope, units from daily_sizes
    union all
    select echelon_daily_sizes.sku_id, echelon_daily_sizes.location_id, 'echelon' as scope, echelon_daily_sizes.units
    from echelon_daily_sizes
    inner join {{ ref('dim_location') }} as dcs
        on dcs.location_id = echelon_daily_sizes.location_id and dcs.location_type in {{ location_types_of_role('warehouse') }}
),

patterns as (
    select
        pattern_days.sku_id,
        pattern_days.location_id,
        pattern_days.scope,
        observed_weeks.weeks * 7.0 / count(*) as average_demand_interval,
        coalesce(var_pop(pattern_days.units) / nullif(avg(pattern_days.units) * avg(pattern_days.units), 0), 0) as demand_size_cv2
    from pattern_days
    inner join observed_weeks on observed_weeks.sku_id = pattern_days.sku_id and observed_weeks.location_id = pattern_days.location_id
    group by pattern_days.sku_id, pattern_days.location_id, pattern_days.scope, observed_weeks.weeks
),

valued as (
    select
        demand_statistics.*,
        demand_statistics.units * skus.unit_cost as demand_value
    from demand_statistics
    inner join {{ ref('dim_sku') }} as skus on skus.sku_id = demand_statistics.sku_id
    where demand_statistics.units > 0
),

ranking_basis as (
    -- one basis per location: value when every item sold there has a unit cost, else units
    select
        valued.*,
        case when max(case when demand_value is null then 1 else 0 end) over (partition by location_id) = 1 then 'units' else 'value' end as abc_basis
    from valued
),

ranked as (
    select
        ranking_basis.*,
        sum(case when abc_basis = 'value' then demand_value else units end) over (
            partition by location_id
            order by case when abc_basis = 'value' then demand_value else units end desc, sku_id
            rows between unbounded preceding and current row
        ) / nullif(sum(case when abc_basis = 'value' then demand_value else units end) over (partition by location_id), 0) as cumulative_value_share,
        sd_weekly_units / mean_weekly_units as weekly_cv
    from ranking_basis
),

classified as (
    select
        ranked.*,
        case
            when cumulative_value_share <= 0.80 then 'A'
            when cumulative_value_share <= 0.95 then 'B'
            else 'C'
        end as abc_class,
        case
            when weekly_cv <= {{ var('xyz_x_max_cv') }} then 'X'
            when weekly_cv <= {{ var('xyz_y_max_cv') }} then 'Y'
            else 'Z'
        end as xyz_class
    from ranked
)

select
    classified.sku_id,
    classified.location_id,
    classified.units as units_52_weeks,
    classified.demand_value as demand_value_52_weeks,
    classified.cumulative_value_share,
    classified.abc_basis,
    classified.mean_weekly_units,
    classified.sd_weekly_units,
    classified.weekly_cv,
    classified.weeks_observed,
    classified.weeks_with_demand,
    classified.abc_class,
    classified.xyz_class,
    demand_pattern.average_demand_interval,
    demand_pattern.demand_size_cv2,
    {{ demand_pattern('demand_pattern.average_demand_interval', 'demand_pattern.demand_size_cv2') }} as demand_pattern,
    -- what the location's stock serves: at a DC its echelon's pattern, elsewhere its own
    case
        when echelon_pattern.sku_id is not null then {{ demand_pattern('echelon_pattern.average_demand_interval', 'echelon_pattern.demand_size_cv2') }}
        else {{ demand_pattern('demand_pattern.average_demand_interval', 'demand_pattern.demand_size_cv2') }}
    end as echelon_demand_pattern,
    targets.cycle_service_level,
    targets.fill_rate as fill_rate_target
from classified
left join patterns as demand_pattern
    on demand_pattern.sku_id = classified.sku_id and demand_pattern.location_id = classified.location_id and demand_pattern.scope = 'own'
left join patterns as echelon_pattern
    on echelon_pattern.sku_id = classified.sku_id and echelon_pattern.location_id = classified.location_id and echelon_pattern.scope = 'echelon'
inner join {{ ref('service_level_targets') }} as targets
    on targets.abc_class = classified.abc_class and targets.xyz_class = classified.xyz_class
