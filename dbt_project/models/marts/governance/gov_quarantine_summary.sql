-- Quarantined rows per source and rule, with one example reason to act on.
-- A view: always current, whichever run quarantined the rows last.
{{ config(materialized='view') }}
select
    source,
    rule,
    count(distinct source_file || '#' || cast(row_number as {{ dbt.type_string() }})) as quarantined_rows,
    min(reason) as example_reason,
    min(source_file) as first_file
from {{ source('governance', 'quarantine') }}
group by source, rule
