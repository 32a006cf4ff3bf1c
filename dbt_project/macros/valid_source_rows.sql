{#
  The rows of a raw source that no data-contract rule quarantined. Quarantined rows are not lost:
  they stay in governance.quarantine with their file, row number, rule and reason.
#}
{% macro valid_source_rows(source_name) -%}
    select raw_rows.*
    from {{ source('raw', source_name) }} as raw_rows
    where not exists (
        select 1
        from {{ source('governance', 'quarantine') }} as quarantined
        where quarantined.source = '{{ source_name }}'
          and quarantined.source_file = raw_rows._source_file
          and quarantined.row_number = raw_rows._row_number
    )
{%- endmacro %}
