{#
  A source table that may not exist yet (the S&OP tables before the first monthly cycle): the
  table when it exists, else an empty subquery with the given columns, so that the daily models
  reading it still build.
  columns: {name: type expression}, e.g. {'month': dbt.type_timestamp()}
#}
{% macro optional_source(source_name, table_name, columns) %}
    {%- set relation = source(source_name, table_name) -%}
    {%- if execute and load_relation(relation) is none -%}
        (select {% for name, type in columns.items() %}cast(null as {{ type }}) as {{ name }}{% if not loop.last %}, {% endif %}{% endfor %} where 1 = 0)
    {%- else -%}
        {{ relation }}
    {%- endif -%}
{% endmacro %}
