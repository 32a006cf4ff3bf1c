-- Every KPI of SPEC section 8 in one long table, as the cockpit and the KPI metadata read them:
-- one row per KPI, month and cut (cut_type 'all' is the headline figure; the others are the cuts
-- each KPI's own table holds: channel, customer segment, location, ABC class, production line,
-- event stream), with the label, unit, direction and target of its definition (kpi_definitions:
-- the KPI model's YAML, config: meta: kpi:). Each KPI defined there needs its lines in measures below
-- (dbt needs the refs when it parses): tests/dbt/test_kpis.py fails naming this file otherwise.
-- A KPI the company's data cannot give (kpi_availability: no stock, no orders, no production, no
-- event streams...) has one row instead, status 'not_computed': the headline of the last month of
-- history with no value and the reason naming the missing input, never a figure made of nothing
-- (0 days of coverage without stock). status 'computed' rows have reason null; their value may
-- still be null (a ratio over nothing that month).
with

history_end as (
    {{ history_last_day() }}
),

availability as (
    select kpi, is_computed, reason from {{ ref('kpi_availability') }}
),

coverage_at_month_end as (
    select coverage.*
    from {{ ref('kpi_days_of_coverage') }} as coverage
    inner join (select month, max(as_of_date) as last_day from {{ ref('kpi_days_of_coverage') }} group by 1) as latest
        on latest.month = coverage.month and latest.last_day = coverage.as_of_date
),

measures as (
    select 'otif_rate' as kpi, month, 'all' as cut_type, 'ALL' as cut_value, otif_rate as value from {{ ref('kpi_otif') }} where channel_id = 'ALL'
    union all
    select 'otif_rate', month, 'channel', channel_id, otif_rate from {{ ref('kpi_otif') }} where channel_id <> 'ALL' and customer_segment = 'ALL'
    union all
    select 'otif_rate', month, 'customer_segment', customer_segment, otif_rate from {{ ref('kpi_otif') }} where channel_id in {{ channels_of_role('wholesale') }} and customer_segment <> 'ALL'
    union all
    select 'unit_fill_rate', month, 'all', 'ALL', unit_fill_rate from {{ ref('kpi_unit_fill_rate') }} where channel_id = 'ALL'
    union all
    select 'unit_fill_rate', month, 'channel', channel_id, unit_fill_rate from {{ ref('kpi_unit_fill_rate') }} where channel_id <> 'ALL' and customer_segment = 'ALL'
    union all
    select 'unit_fill_rate', month, 'customer_segment', customer_segment, unit_fill_rate from {{ ref('kpi_unit_fill_rate') }} where channel_id in {{ channels_of_role('wholesale') }} and customer_segment <> 'ALL'
    union all
    select 'stockout_rate', month, 'all', 'ALL', stockout_rate from {{ ref('kpi_stockout_rate') }} where channel_id = 'ALL' and location_id = 'ALL'
    union all
    select 'stockout_rate', month, 'channel', channel_id, stockout_rate from {{ ref('kpi_stockout_rate') }} where channel_id <> 'ALL' and location_id = 'ALL'
    union all
    select 'inventory_turnover', month, case when location_id = 'ALL' then 'all' else 'location' end, location_id, inventory_turnover from {{ ref('kpi_inventory_turnover') }}
    union all
    select 'days_of_coverage', month, 'all', 'ALL', days_of_coverage from coverage_at_month_end where location_id = 'ALL' and abc_class = 'ALL'
    union all
    select 'days_of_coverage', month, 'location', location_id, days_of_coverage from coverage_at_month_end where location_id <> 'ALL' and abc_class = 'ALL'
    union all
    select 'days_of_coverage', month, 'abc_class', abc_class, days_of_coverage from coverage_at_month_end where location_id = 'ALL' and abc_class <> 'ALL'
    union all
    select 'forecast_wape', month, cut_type, cut_value, wape from {{ ref('kpi_forecast_accuracy') }}
    union all
    select 'forecast_bias', month, cut_type, cut_value, bias from {{ ref('kpi_forecast_accuracy') }}
    union all
    select 'inventory_value', month, 'all', 'ALL', inventory_value from {{ ref('kpi_inventory_value') }} where location_id = 'ALL' and abc_class = 'ALL'
    union all
    select 'inventory_value', month, 'location', location_id, inventory_value from {{ ref('kpi_inventory_value') }} where location_id <> 'ALL' and abc_class = 'ALL'
    union all
    select 'inventory_value', month, 'abc_class', abc_class, inventory_value from {{ ref('kpi_inventory_value') }} where location_id = 'ALL' and abc_class <> 'ALL'
    union all
    select 'cash_to_cash_days', month, 'all', 'ALL', cash_to_cash_days from {{ ref('kpi_cash_to_cash') }}
    union all
    select 'oee', month, case when production_line_id = 'ALL' then 'all' else 'production_line' end, production_line_id, oee from {{ ref('kpi_oee') }}
    union all
    select 'plan_adherence', month, case when production_line_id = 'ALL' then 'all' else 'production_line' end, production_line_id, plan_adherence
    from {{ ref('kpi_plan_adherence') }}
    union all
    select 'inventory_discrepancy', month, case when location_id = 'ALL' then 'all' else 'location' end, location_id, inventory_discrepancy
    from {{ ref('kpi_inventory_discrepancy') }}
    union all
    select 'sync_latency_p50_seconds', month, case when source_system = 'ALL' then 'all' else 'source' end, source_system, latency_p50_seconds
    from {{ ref('kpi_sync_latency') }}
    union all
    select 'sync_latency_p95_seconds', month, case when source_system = 'ALL' then 'all' else 'source' end, source_system, latency_p95_seconds
    from {{ ref('kpi_sync_latency') }}
    union all
    select 'returns_reintegrated_24h', month, case when location_id = 'ALL' then 'all' else 'location' end, location_id, returns_reintegrated_24h
    from {{ ref('kpi_returns_reintegration') }}
)

select
    measures.kpi,
    definitions.label,
    definitions.unit,
    definitions.direction,
    cast(measures.month as date) as month,
    measures.cut_type,
    measures.cut_value,
    measures.value,
    definitions.target,
    'computed' as status,
    cast(null as {{ dbt.type_string() }}) as reason
from measures
inner join {{ ref('kpi_definitions') }} as definitions on definitions.kpi = measures.kpi
inner join availability on availability.kpi = measures.kpi
where availability.is_computed
union all
select
    definitions.kpi,
    definitions.label,
    definitions.unit,
    definitions.direction,
    cast({{ dbt.date_trunc('month', 'history_end.last_day') }} as date),
    'all',
    'ALL',
    cast(null as double),
    definitions.target,
    'not_computed',
    availability.reason
from {{ ref('kpi_definitions') }} as definitions
inner join availability on availability.kpi = definitions.kpi
cross join history_end
where not availability.is_computed
