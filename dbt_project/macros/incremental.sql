{#
  Daily partitions. A partitioned run sets the environment variables PLANLINE_WINDOW_START and
  PLANLINE_WINDOW_END (ISO dates, end exclusive; environment variables rather than dbt vars, whose
  change would cost a full re-parse): the business days whose raw rows it processes (a raw row's
  day is its partition_date). An incremental model recomputes every row those raw rows contribute
  to; the replace_days strategy then deletes the window's days (config day_column) and the rows
  whose unique_key the new batch holds, and inserts the batch. Without a window (a plain
  `dbt build`), an incremental model is recomputed whole.
#}

{% macro window_bound(name) -%}
    {%- set value = env_var(name, '') -%}
    {%- if not modules.re.match('^[0-9]{4}-[0-9]{2}-[0-9]{2}$', value) -%}
        {{ exceptions.raise_compiler_error(name ~ " must be an ISO date (YYYY-MM-DD), got '" ~ value ~ "'") }}
    {%- endif -%}
    cast('{{ value }}' as date)
{%- endmacro %}

{# In a run with a window (models and tests alike), true for the rows whose day_column lies in it; else
   always. The window is read at execution only: dbt re-parses a file whose parse read an environment
   variable that has changed since, and a generic test's SQL is rendered at parse time too. #}
{% macro in_run_window(day_column) -%}
    {%- if execute and env_var('PLANLINE_WINDOW_START', '') != '' -%}
        ({{ day_column }} >= {{ window_bound('PLANLINE_WINDOW_START') }} and {{ day_column }} < {{ window_bound('PLANLINE_WINDOW_END') }})
    {%- else -%}
        (1 = 1)
    {%- endif -%}
{%- endmacro %}

{# In an incremental run with a window, true for the rows whose day_column lies in it; else always #}
{% macro in_window(day_column) -%}
    {%- if is_incremental() -%}
        {{ in_run_window(day_column) }}
    {%- else -%}
        (1 = 1)
    {%- endif -%}
{%- endmacro %}

{# In an incremental run, keep only the rows whose column is in the set a CTE lists; else all #}
{% macro only_affected(column, affected_cte, affected_column=none) -%}
    {%- if is_incremental() -%}
        {{ column }} in (select {{ affected_column or column }} from {{ affected_cte }})
    {%- else -%}
        (1 = 1)
    {%- endif -%}
{%- endmacro %}

{% macro get_incremental_replace_days_sql(arg_dict) -%}
    {%- set target = arg_dict['target_relation'] -%}
    {%- set batch = arg_dict['temp_relation'] -%}
    {%- set unique_key = arg_dict['unique_key'] -%}
    {%- set keys = ([unique_key] if unique_key is string else unique_key) if unique_key else [] -%}
    {%- set columns = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    delete from {{ target }} as existing
    where {{ in_window('existing.' ~ config.require('day_column')) }}
    {%- if keys %}
        or exists (
            select 1 from {{ batch }} as batch
            where {% for key in keys %}batch.{{ key }} = existing.{{ key }}{{ ' and ' if not loop.last }}{% endfor %}
        )
    {%- endif %};

    insert into {{ target }} ({{ columns }})
    select {{ columns }} from {{ batch }}
{%- endmacro %}
