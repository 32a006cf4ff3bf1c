-- Row conservation per source: every raw row is harmonized exactly once or quarantined, never lost.
-- Rows are matched by (file, row number), so a lost row and a duplicated one cannot cancel out.
-- A view: always current, whichever run loaded the rows last.
{{ config(materialized='view') }}
{%- set harmonized_model = {
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

with raw_rows as (
    {% for source_name in harmonized_model %}
    select '{{ source_name }}' as source, _source_file as source_file, _row_number as source_row_number
    from {{ source('raw', source_name) }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

harmonized_rows as (
    {% for source_name, model in harmonized_model.items() %}
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
)

select
    source,
    count(*) as rows_read,
    sum(case when copies is not null then 1 else 0 end) as rows_harmonized,
    sum(case when is_quarantined then 1 else 0 end) as rows_quarantined,
    -- neither harmonized nor quarantined: lost on the way
    sum(case when copies is null and not is_quarantined then 1 else 0 end) as rows_unaccounted,
    -- harmonized more than once (a join fanned out) or both harmonized and quarantined
    sum(case when copies > 1 or (copies is not null and is_quarantined) then 1 else 0 end) as rows_multiplied
from accounted
group by source
