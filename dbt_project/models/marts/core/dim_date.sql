-- Daily calendar: ISO week, month, fiscal period, public holidays and promotion activity.
with days as (
    {{ dbt.date_spine('day', "cast('" ~ var('calendar_start_date') ~ "' as date)", "cast('" ~ var('calendar_end_date') ~ "' as date)") }}
),

calendar as (
    select cast(date_day as date) as date_day from days
),

holidays as (
    select cast(holiday_date as date) as holiday_date, holiday_name, stores_closed
    from {{ ref('stg_company__holidays') }}
),

promotion_days as (
    select
        calendar.date_day,
        count(*) as active_promotions
    from calendar
    inner join {{ ref('stg_erp__promotions') }} as promotions
        on calendar.date_day between promotions.start_date and promotions.end_date
    group by calendar.date_day
),

parts as (
    select
        calendar.date_day,
        {{ iso_year('calendar.date_day') }} as iso_year,
        {{ iso_week('calendar.date_day') }} as iso_week,
        {{ iso_day_of_week('calendar.date_day') }} as iso_day_of_week,
        cast({{ dbt.date_trunc('week', 'calendar.date_day') }} as date) as week_start,
        cast({{ dbt.date_trunc('month', 'calendar.date_day') }} as date) as month_start,
        extract(year from calendar.date_day) as calendar_year,
        extract(month from calendar.date_day) as calendar_month,
        extract(quarter from calendar.date_day) as calendar_quarter,
        -- months since the start of the fiscal year (0..11)
        mod(cast(extract(month from calendar.date_day) as integer) - {{ var('fiscal_year_start_month') }} + 12, 12) as fiscal_month_index
    from calendar
)

select
    parts.date_day,
    parts.iso_year,
    parts.iso_week,
    parts.iso_day_of_week,
    parts.iso_day_of_week >= 6 as is_weekend,
    parts.week_start,
    parts.month_start,
    cast(parts.calendar_year as integer) as calendar_year,
    cast(parts.calendar_month as integer) as calendar_month,
    cast(parts.calendar_quarter as integer) as calendar_quarter,
    cast(case
        when parts.calendar_month >= {{ var('fiscal_year_start_month') }} then parts.calendar_year
        else parts.calendar_year - 1
    end as integer) as fiscal_year,
    parts.fiscal_month_index + 1 as fiscal_period,
    cast(floor(parts.fiscal_month_index / 3) + 1 as integer) as fiscal_quarter,
    holidays.holiday_date is not null as is_holiday,
    holidays.holiday_name,
    coalesce(holidays.stores_closed, false) as stores_closed,
    coalesce(promotion_days.active_promotions, 0) as active_promotions,
    coalesce(promotion_days.active_promotions, 0) > 0 as has_promotion
from parts
left join holidays on holidays.holiday_date = parts.date_day
left join promotion_days on promotion_days.date_day = parts.date_day
