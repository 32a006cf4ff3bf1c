-- Events that reached the export after their day was closed. They are applied to their own day
-- (they flow on); this list tells how late the source systems are.
-- Partitioned run: the late events of the window's days are replaced.
{{ config(materialized='incremental', incremental_strategy='replace_days', day_column='event_date', on_schema_change='fail') }}

with wms as (
    select 'wms_events' as source, event_id, event_type, event_at, event_date, exported_at, source_file, source_row_number
    from {{ ref('int_wms_movements') }} where is_late and {{ in_window('event_date') }}
),

oms as (
    select 'oms_events' as source, event_id, event_type, event_at, event_date, exported_at, source_file, source_row_number
    from {{ ref('int_oms_events') }} where is_late and {{ in_window('event_date') }}
)

select
    late.*,
    {{ hours_between('late.event_at', 'late.exported_at') }} as hours_late,
    'event exported ' || cast({{ business_date('late.exported_at') }} as {{ dbt.type_string() }})
        || ' for ' || cast({{ business_date('late.event_at') }} as {{ dbt.type_string() }})
        || ': applied to its own day; check the source system''s export schedule' as reason
from (select * from wms union all select * from oms) as late
