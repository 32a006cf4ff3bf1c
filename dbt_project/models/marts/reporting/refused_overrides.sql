-- The planner overrides the data contract refused, one row per refused row with its reasons
-- (every rule it broke), for their author to correct. A view: the quarantine's current entries.
{{ config(materialized='view') }}
select
    overrides.override_id,
    overrides.author,
    overrides.item_or_family,
    overrides.location_or_customer,
    overrides.submitted_at,
    quarantined.source_file,
    quarantined.row_number,
    string_agg(quarantined.reason, '; ' order by quarantined.rule, quarantined.column_name) as reason
from {{ source('governance', 'quarantine') }} as quarantined
left join {{ source('raw', 'planning_overrides') }} as overrides
    on overrides._source_file = quarantined.source_file and overrides._row_number = quarantined.row_number
where quarantined.source = 'planning_overrides'
group by all
