-- Returns reintegrated within 24 h (SPEC section 8; hours in var returns_reintegration_hours): the
-- share of restockable returns (online returns received in resalable condition) back in available
-- stock within 24 hours of their receipt, by month of receipt and receiving location, with the
-- total (location 'ALL'). A return received less than 24 hours before the end of the last day of
-- history is still in time and does not count yet; one never restocked after that is late. Store
-- returns at the till go back on the shelf at once and the POS records no time: they do not count.
-- Target above 85 %.
with

history_end as (
    {{ history_last_day() }}
),

restockable_returns as (
    select
        cast({{ dbt.date_trunc('month', 'returns.return_date') }} as date) as month,
        returns.location_id,
        case when returns.hours_to_restock <= {{ var('returns_reintegration_hours') }} then 1 else 0 end as is_on_time
    from {{ ref('fct_returns') }} as returns
    cross join history_end
    where returns.channel_id not in {{ channels_of_role('store') }}
        and returns.disposition = 'RESTOCK'
        and {{ hours_between('returns.returned_at', dbt.dateadd('day', 1, 'cast(history_end.last_day as timestamp)')) }} >= {{ var('returns_reintegration_hours') }}
),

cuts as (
    select month, location_id, is_on_time from restockable_returns
    union all
    select month, 'ALL', is_on_time from restockable_returns
)

select
    month,
    location_id,
    count(*) as restockable_returns,
    sum(is_on_time) as reintegrated_on_time,
    sum(is_on_time) * 1.0 / count(*) as returns_reintegrated_24h
from cuts
group by 1, 2
