-- Production lines with their daily capacity in base units.
select
    production_line_id,
    plant_location_id,
    family,
    hours_per_day,
    run_rate_per_hour,
    hours_per_day * run_rate_per_hour as capacity_units_per_day,
    overtime_hours_per_day,
    cost_per_hour
from {{ ref('stg_erp__production_lines') }}
