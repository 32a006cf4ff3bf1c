{#
  Fails with the rows of rows_model (one per source row, matched by file and row number) of the
  run's days (the whole table without a window) that the model, the same rows spread to days,
  does not hold on exactly their period's days (period_days, each day once) with units adding up
  to the row's quantity: a period lost, cut short, doubled, or whose units a rounding lost.
  A row of the model without its source row fails too.
#}
{% test spread_conserved(model, rows_model) %}

with source_rows as (
    select source_file, source_row_number, quantity
    from {{ rows_model }}
    where {{ in_run_window('partition_date') }}
),

spread as (
    select
        source_file,
        source_row_number,
        count(*) as days,
        count(distinct demand_date) as distinct_days,
        min(period_days) as period_days,
        sum(units) as units
    from {{ model }}
    where {{ in_run_window('partition_date') }}
    group by source_file, source_row_number
)

select
    coalesce(source_rows.source_file, spread.source_file) as source_file,
    coalesce(source_rows.source_row_number, spread.source_row_number) as source_row_number,
    source_rows.quantity,
    spread.units,
    spread.days,
    spread.period_days
from source_rows
full outer join spread
    on spread.source_file = source_rows.source_file
    and spread.source_row_number = source_rows.source_row_number
where spread.source_file is null
    or source_rows.source_file is null
    or spread.days <> spread.period_days
    or spread.distinct_days <> spread.days
    or spread.units <> source_rows.quantity

{% endtest %}
