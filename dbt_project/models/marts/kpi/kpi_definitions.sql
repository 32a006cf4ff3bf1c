-- Every KPI's definition, read from its model's YAML (config: meta: kpi:, a list: one model may
-- define several KPIs, kpi_forecast_accuracy defines forecast_wape and forecast_bias): its label,
-- unit, which direction is better, its target and where the target comes from (SPEC: fixed by
-- the SPEC; company: the company's, editable in that YAML; empty: none). Adding a KPI is one
-- folder: its model and YAML with the definition here, and its lines in kpi_scorecard.sql's
-- union (tests/dbt/test_kpis.py fails naming kpi_scorecard.sql when they are missing).
-- The definitions come from dbt's graph, filled only when dbt executes (not while parsing): no
-- ref, so this model depends on nothing and its rows change when a YAML does.
{%- set required = ['kpi', 'label', 'unit', 'direction'] -%}
{%- set definitions = [] -%}
{%- if execute -%}
    {%- for node in graph.nodes.values() | selectattr('resource_type', 'equalto', 'model') | sort(attribute='unique_id') -%}
        {%- for definition in (node.config.meta or {}).get('kpi') or [] -%}
            {%- set where = (node.patch_path or node.original_file_path).split('://') | last -%}
            {%- for key in required if not definition.get(key) -%}
                {{ exceptions.raise_compiler_error("KPI definition " ~ definition ~ " of model " ~ node.name ~ " (" ~ where ~ ", config: meta: kpi:) has no " ~ key) }}
            {%- endfor -%}
            {%- if definition.get('target') is not none and definition.get('target') is not number -%}
                {{ exceptions.raise_compiler_error("KPI " ~ definition.kpi ~ " of model " ~ node.name ~ " (" ~ where ~ "): target " ~ definition.target ~ " is not a number (leave it empty for none)") }}
            {%- endif -%}
            {%- do definitions.append(definition) -%}
        {%- endfor -%}
    {%- endfor -%}
{%- endif %}

{% if definitions %}
select * from (
    values
    {%- for definition in definitions %}
        (
            {%- for key in ['kpi', 'label', 'unit', 'direction'] %}
            cast('{{ definition[key] | string | replace("'", "''") }}' as {{ dbt.type_string() }}),
            {%- endfor %}
            cast({{ 'null' if definition.get('target') is none else definition.target }} as double),
            {%- if definition.get('target_source') is none %}
            cast(null as {{ dbt.type_string() }})
            {%- else %}
            cast('{{ definition.target_source | string | replace("'", "''") }}' as {{ dbt.type_string() }})
            {%- endif %}
        ){{ ',' if not loop.last }}
    {%- endfor %}
) as definitions (kpi, label, unit, direction, target, target_source)
{% else %}
-- no KPI defined: the same columns, no row
select
    cast(null as {{ dbt.type_string() }}) as kpi,
    cast(null as {{ dbt.type_string() }}) as label,
    cast(null as {{ dbt.type_string() }}) as unit,
    cast(null as {{ dbt.type_string() }}) as direction,
    cast(null as double) as target,
    cast(null as {{ dbt.type_string() }}) as target_source
where false
{% endif %}
