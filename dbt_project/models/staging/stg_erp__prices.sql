-- Price list per SKU and channel (and location, when the company prices by location). A price given
-- for a period (valid_period, a code of the company's calendar) is valid from the period's first
-- day to its last; dates given on the row win over the period's.
with valid_rows as (
    {{ valid_source_rows('erp_prices') }}
),

renamed as (
    select
        item_code as sku_id,
        channel as channel_id,
        location_code as location_id,
        {{ parse_iso_date('valid_from') }} as row_valid_from,
        {{ parse_iso_date('valid_to') }} as row_valid_to,
        valid_period,
        {{ to_number('price') }} as price,
        unit as price_unit,
        _source_file as source_file,
        _row_number as source_row_number
    from valid_rows
),

period_days as (
    select period_code, min(calendar_date) as first_day, max(calendar_date) as last_day
    from {{ ref('stg_calendar__periods') }}
    group by 1
)

select
    renamed.sku_id,
    renamed.channel_id,
    renamed.location_id,
    coalesce(renamed.row_valid_from, period_days.first_day) as valid_from,
    coalesce(renamed.row_valid_to, case when renamed.row_valid_from is null then period_days.last_day end) as valid_to,
    renamed.valid_period,
    renamed.price,
    renamed.price_unit,
    renamed.source_file,
    renamed.source_row_number
from renamed
left join period_days on period_days.period_code = renamed.valid_period
