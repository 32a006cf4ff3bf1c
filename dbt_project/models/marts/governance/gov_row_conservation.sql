-- Row conservation per source: every raw row is harmonized exactly once or quarantined, never lost.
-- Rows are matched by (file, row number), so a lost row and a duplicated one cannot cancel out.
-- A view: always current, whichever run loaded the rows last.
--
-- The sources are the warehouse's raw tables (schema raw, with the loader's _source_file and
-- _row_number): each data contract's raw asset creates its table (data_contracts/registry.py
-- collects the contracts), so a new source is counted from its first load, its rows read and
-- quarantined, without an edit here. Its harmonized rows are counted once a model harmonizes it:
-- the staging or intermediate model holding one row per valid raw row, with source_file and
-- source_row_number, named below. A source without one has null harmonized, unaccounted and
-- multiplied counts: its valid rows wait for a model, none is lost (tests/dbt/test_row_conservation.py).
{{ config(materialized='view') }}
{%- set harmonized_in = {
    'calendar_periods': 'stg_calendar__periods',
    'calendar_events': 'stg_calendar__events',
    'erp_suppliers': 'stg_erp__suppliers',
    'erp_locations': 'stg_erp__locations',
    'erp_customers': 'stg_erp__customers',
    'erp_production_lines': 'stg_erp__production_lines',
    'erp_items': 'stg_erp__items',
    'erp_item_xref': 'stg_erp__item_xref',
    'erp_unit_conversions': 'int_unit_factors',
    'erp_prices': 'stg_erp__prices',
    'erp_promotions': 'stg_erp__promotions',
    'erp_purchase_orders': 'int_purchase_order_lines',
    'erp_production_orders': 'int_production_orders',
    'erp_sales_orders': 'int_sales_order_lines',
    'erp_inventory': 'int_inventory_erp',
    'sales_history': 'stg_history__sales',
    'wms_events': 'int_wms_movements',
    'wms_stock': 'int_inventory_wms',
    'pos_sales': 'int_pos_sales',
    'oms_events': 'int_oms_events',
    'planning_overrides': 'int_planner_overrides',
} %}
{#- the raw tables present when the view is built; at parse time (no warehouse) the sources above -#}
{%- set loaded = [] %}
{%- if execute %}
    {%- set found = run_query(
        "select table_name from information_schema.columns"
        ~ " where table_catalog = current_database() and table_schema = 'raw'"
        ~ " and column_name in ('_source_file', '_row_number')"
        ~ " group by table_name having count(*) = 2 order by table_name"
    ) %}
    {%- for row in found.rows %}{% do loaded.append(row[0]) %}{% endfor %}
{%- endif %}
{%- set raw_sources = harmonized_in.keys() | list %}
{%- for name in loaded if name not in harmonized_in %}{% do raw_sources.append(name) %}{% endfor %}

with raw_rows as (
    {% for source_name in raw_sources %}
    select
        '{{ source_name }}' as source,
        {{ 'true' if source_name in harmonized_in else 'false' }} as is_harmonized_by_a_model,
        _source_file as source_file,
        _row_number as source_row_number
    {%- if source_name in harmonized_in %}
    from {{ source('raw', source_name) }}
    {%- else %}
    from {{ api.Relation.create(database=target.database, schema='raw', identifier=source_name) }}
    {%- endif %}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

harmonized_rows as (
    {% for source_name, model in harmonized_in.items() %}
    select '{{ source_name }}' as source, source_file, source_row_number, count(*) as copies
    from {{ ref(model) }}
    group by source_file, source_row_number
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

quarantined_rows as (
    select distinct source, source_file, row_number as source_row_number
    from {{ source('governance', 'quarantine') }}
),

accounted as (
    select
        raw_rows.source,
        raw_rows.is_harmonized_by_a_model,
        harmonized_rows.copies,
        quarantined_rows.source is not null as is_quarantined
    from raw_rows
    left join harmonized_rows
        on harmonized_rows.source = raw_rows.source
        and harmonized_rows.source_file = raw_rows.source_file
        and harmonized_rows.source_row_number = raw_rows.source_row_number
    left join quarantined_rows
        on quarantined_rows.source = raw_rows.source
        and quarantined_rows.source_file = raw_rows.source_file
        and quarantined_rows.source_row_number = raw_rows.source_row_number
),

counted as (
    select
        source,
        bool_and(is_harmonized_by_a_model) as is_harmonized_by_a_model,
        count(*) as rows_read,
        sum(case when copies is not null then 1 else 0 end) as rows_harmonized,
        sum(case when is_quarantined then 1 else 0 end) as rows_quarantined,
        -- neither harmonized nor quarantined: lost on the way
        sum(case when copies is null and not is_quarantined then 1 else 0 end) as rows_unaccounted,
        -- harmonized more than once (a join fanned out) or both harmonized and quarantined
        sum(case when copies > 1 or (copies is not null and is_quarantined) then 1 else 0 end) as rows_multiplied
    from accounted
    group by source
)

-- a source no model harmonizes yet: what it read and quarantined, its other counts unknown (null)
select
    source,
    rows_read,
    case when is_harmonized_by_a_model then rows_harmonized end as rows_harmonized,
    rows_quarantined,
    case when is_harmonized_by_a_model then rows_unaccounted end as rows_unaccounted,
    case when is_harmonized_by_a_model then rows_multiplied end as rows_multiplied
from counted
