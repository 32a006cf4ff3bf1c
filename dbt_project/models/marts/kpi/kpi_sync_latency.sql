-- Sync latency (SPEC section 8): time from an event to its arrival in the platform's landing
-- zone (the source's export stamp), p50 and p95 in seconds, by month of the event and event
-- stream (WMS movements, OMS order events), with the total (source 'ALL'). Target below 5 minutes.
-- Daily batch exports (ERP, POS) are files, not events, and do not count. How long the platform
-- then takes to load a landed file is the schedule's and sensor's (Dagster runs), not the source's.
with

events as (
    select cast({{ dbt.date_trunc('month', 'event_date') }} as date) as month, 'WMS' as source_system, export_latency_seconds
    from {{ ref('fct_stock_movements') }}
    union all
    select cast({{ dbt.date_trunc('month', 'event_date') }} as date), 'OMS', export_latency_seconds
    from {{ ref('int_oms_events') }}
),

cuts as (
    select month, source_system, export_latency_seconds from events
    union all
    select month, 'ALL', export_latency_seconds from events
)

select
    month,
    source_system,
    count(*) as events,
    {{ percentile('export_latency_seconds', 0.5) }} as latency_p50_seconds,
    {{ percentile('export_latency_seconds', 0.95) }} as latency_p95_seconds,
    sum(case when export_latency_seconds > 300 then 1 else 0 end) as events_over_5_minutes
from cuts
group by 1, 2
