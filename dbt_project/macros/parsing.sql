{#
  Casts of the raw tables' canonical text, and other SQL that differs between warehouses, dispatched
  per adapter so that a warehouse target can replace DuckDB: each dispatched macro has a DuckDB
  implementation and a default (Postgres/Snowflake-style). The loader rewrites every company's
  notation (its source mapping: decimal commas, DD/MM/YYYY, YYYYMMDD...) to canonical text, and the
  contracts let through only rows whose typed values are canonical: staging only casts.
#}

{# Canonical numbers: digits with an optional '.' decimal part, no thousands separator ('1234.5') #}
{% macro to_number(column) -%}
    cast({{ column }} as {{ dbt.type_numeric() }})
{%- endmacro %}

{# A whole number the contract checked ('30' or '30.00'), through numeric: Postgres refuses '30.00' as an integer #}
{% macro to_whole_number(column) -%}
    cast({{ to_number(column) }} as integer)
{%- endmacro %}

{# Canonical dates: YYYY-MM-DD #}
{% macro parse_iso_date(column) -%}
    {{ return(adapter.dispatch('parse_iso_date', 'planline')(column)) }}
{%- endmacro %}
{% macro duckdb__parse_iso_date(column) -%}
    cast(try_strptime({{ column }}, '%Y-%m-%d') as date)
{%- endmacro %}
{% macro default__parse_iso_date(column) -%}
    to_date({{ column }}, 'YYYY-MM-DD')
{%- endmacro %}

{# Canonical times: ISO-8601 UTC timestamps '2026-03-01T10:15:00Z' -> timestamp without time zone (UTC) #}
{% macro parse_iso_timestamp(column) -%}
    {{ return(adapter.dispatch('parse_iso_timestamp', 'planline')(column)) }}
{%- endmacro %}
{% macro duckdb__parse_iso_timestamp(column) -%}
    cast(try_strptime({{ column }}, '%Y-%m-%dT%H:%M:%SZ') as timestamp)
{%- endmacro %}
{% macro default__parse_iso_timestamp(column) -%}
    cast(replace(replace({{ column }}, 'T', ' '), 'Z', '') as timestamp)
{%- endmacro %}

{# Days and hours between two timestamps, as numbers #}
{% macro hours_between(start_ts, end_ts) -%}
    ({{ dbt.datediff(start_ts, end_ts, 'second') }} / 3600.0)
{%- endmacro %}

{# ISO calendar parts #}
{% macro iso_year(column) -%}{{ return(adapter.dispatch('iso_year', 'planline')(column)) }}{%- endmacro %}
{% macro duckdb__iso_year(column) -%}isoyear({{ column }}){%- endmacro %}
{% macro default__iso_year(column) -%}cast(extract(isoyear from {{ column }}) as integer){%- endmacro %}

{% macro iso_week(column) -%}{{ return(adapter.dispatch('iso_week', 'planline')(column)) }}{%- endmacro %}
{% macro duckdb__iso_week(column) -%}weekofyear({{ column }}){%- endmacro %}
{% macro default__iso_week(column) -%}cast(extract(week from {{ column }}) as integer){%- endmacro %}

{% macro iso_day_of_week(column) -%}{{ return(adapter.dispatch('iso_day_of_week', 'planline')(column)) }}{%- endmacro %}
{% macro duckdb__iso_day_of_week(column) -%}isodow({{ column }}){%- endmacro %}
{% macro default__iso_day_of_week(column) -%}cast(extract(isodow from {{ column }}) as integer){%- endmacro %}

{# A code mapping valid on a date: the cross-reference's validity bounds are inclusive, open when null #}
{% macro valid_on(mapping, day) -%}
    ({{ mapping }}.valid_from is null or {{ day }} >= {{ mapping }}.valid_from)
    and ({{ mapping }}.valid_to is null or {{ day }} <= {{ mapping }}.valid_to)
{%- endmacro %}

{# Business day of a UTC timestamp (var business_timezone) #}
{% macro business_date(utc_ts) -%}
    {{ return(adapter.dispatch('business_date', 'planline')(utc_ts)) }}
{%- endmacro %}
{% macro duckdb__business_date(utc_ts) -%}
    cast(timezone('{{ var("business_timezone") }}', timezone('UTC', {{ utc_ts }})) as date)
{%- endmacro %}
{% macro default__business_date(utc_ts) -%}
    cast(({{ utc_ts }} at time zone 'UTC') at time zone '{{ var("business_timezone") }}' as date)
{%- endmacro %}

{# Continuous percentile of an aggregate (fraction between 0 and 1) #}
{% macro percentile(column, fraction) -%}{{ return(adapter.dispatch('percentile', 'planline')(column, fraction)) }}{%- endmacro %}
{% macro default__percentile(column, fraction) -%}percentile_cont({{ fraction }}) within group (order by {{ column }}){%- endmacro %}
{% macro bigquery__percentile(column, fraction) -%}approx_quantiles({{ column }}, 100)[offset({{ (fraction * 100) | int }})]{%- endmacro %}

{# A number from text, null when the text is not one (dbt.safe_cast casts strictly on DuckDB) #}
{% macro try_number(column) -%}{{ return(adapter.dispatch('try_number', 'planline')(column)) }}{%- endmacro %}
{% macro duckdb__try_number(column) -%}try_cast({{ column }} as double){%- endmacro %}
{% macro default__try_number(column) -%}{{ dbt.safe_cast(column, dbt.type_float()) }}{%- endmacro %}
{% macro postgres__try_number(column) -%}case when trim({{ column }}) ~ '^[-+]?[0-9]+([.][0-9]+)?$' then cast(trim({{ column }}) as double precision) end{%- endmacro %}

{# A quantity as short text for sentences: 55 rather than 55.000000 #}
{% macro number_text(column) -%}{{ return(adapter.dispatch('number_text', 'planline')(column)) }}{%- endmacro %}
{% macro duckdb__number_text(column) -%}cast(round(cast({{ column }} as double), 2) as varchar){%- endmacro %}
{% macro default__number_text(column) -%}cast(round(cast({{ column }} as numeric), 2) as {{ dbt.type_string() }}){%- endmacro %}
