{#
  Fails with the raw rows of the run's days (the whole table without a window) that the model
  does not hold exactly once unless quarantined: a row lost or duplicated between the raw table
  and its harmonized model. Rows are matched by (file, row number); the model's partition_date
  is its raw row's day, so the check reads only the window's rows.
#}
{% test rows_conserved(model, source_name) %}

with raw_rows as (
    select _source_file as source_file, _row_number as source_row_number
    from {{ source('raw', source_name) }}
    where {{ in_run_window('_partition_date') }}
),

harmonized_rows as (
    select source_file, source_row_number, count(*) as copies
    from {{ model }}
    where {{ in_run_window('partition_date') }}
    group by source_file, source_row_number
),

quarantined_rows as (
    select distinct source_file, row_number as source_row_number
    from {{ source('governance', 'quarantine') }}
    where source = '{{ source_name }}'
)

select
    raw_rows.source_file,
    raw_rows.source_row_number,
    coalesce(harmonized_rows.copies, 0) as copies,
    quarantined_rows.source_file is not null as is_quarantined
from raw_rows
left join harmonized_rows
    on harmonized_rows.source_file = raw_rows.source_file
    and harmonized_rows.source_row_number = raw_rows.source_row_number
left join quarantined_rows
    on quarantined_rows.source_file = raw_rows.source_file
    and quarantined_rows.source_row_number = raw_rows.source_row_number
where coalesce(harmonized_rows.copies, 0) + case when quarantined_rows.source_file is null then 0 else 1 end <> 1

{% endtest %}
