-- Sales history, the minimal input's demand: units sold per item (in its base unit), location and
-- period. A transactional source: built with the daily models (same partitions, same dbt run).
-- channel_id: the row's channel, else the company's channel of role store (it has one at most),
-- else the channel 'ALL' (macro channel_all: a company without a store channel whose
-- history names no channel; dim_channel lists it then). source_channel keeps what the row said.
-- period: the days the row covers from its sale_date (day, week or month; empty: a day);
-- int_history_sales_days spreads them to days. One row per valid raw row (gov_row_conservation).
{{ config(tags=['daily']) }}

with valid_rows as (
    {{ valid_source_rows('sales_history') }}
),

renamed as (
    select
        item_code as sku_id,
        location_code as location_id,
        coalesce(channel, {{ channel_of_role('store') }}, {{ channel_all() }}) as channel_id,
        channel as source_channel,
        {{ parse_iso_date('sale_date') }} as sale_date,
        coalesce(period, 'day') as period,
        {{ to_number('quantity') }} as quantity,
        {{ to_number('unit_price') }} as unit_price,
        _partition_date as partition_date,
        _source_file as source_file,
        _row_number as source_row_number
    from valid_rows
)

select * from renamed
