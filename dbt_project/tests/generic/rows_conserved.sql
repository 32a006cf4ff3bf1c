{#
  Fails with the raw rows of the run's days (the whole table without a window) that the model
  does not hold exactly once unless quarantined: a row lost or duplicated between the raw table
  and its harmonized model. Rows are matched by (file, row number); the model's partition_date
  is its raw row's day, so the check reads only the window's rows. A daily run's window covers
  the days of every valid row it loaded, whatever their date (orchestration/assets/dbt.py).
  The failure names the first rows it cannot account for, by file and row: the test raises
  with them (a count alone would send the user hunting).
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
),

unaccounted as (
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
),

named as (
    select
        *,
        count(*) over () as rows_unaccounted,
        array_to_string(list_slice(list(
            source_file || ' row ' || source_row_number || case when copies = 0 then ' (lost)' else ' (' || copies || ' copies)' end
            order by source_file, source_row_number
        ) over (), 1, 20), ', ') as first_rows
    from unaccounted
)

select source_file, source_row_number, copies, is_quarantined
from named
-- a filter, so that the row count dbt wraps around the test cannot skip it
where error(
    'rows_conserved: ' || rows_unaccounted || ' raw row(s) of {{ source_name }} neither harmonized once by {{ model.identifier }} nor quarantined: '
    || first_rows || case when rows_unaccounted > 20 then ', ...' else '' end
) is null

{% endtest %}
