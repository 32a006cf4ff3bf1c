-- Row conservation per source: every row read is either harmonized or quarantined, never lost.
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
    'wms_events': 'int_wms_movements',
    'wms_stock': 'int_inventory_wms',
    'pos_sales': 'int_pos_sales',
    'oms_events': 'int_oms_events',
    'planning_overrides': 'int_planner_overrides',
} %}

with rows_read as (
    {% for source_name in harmonized_model %}
    select '{{ source_name }}' as source, count(*) as rows_read from {{ source('raw', source_name) }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

rows_harmonized as (
    {% for source_name, model in harmonized_model.items() %}
    select '{{ source_name }}' as source, count(*) as rows_harmonized from {{ ref(model) }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

quarantined_rows as (
    select distinct source, source_file, row_number from {{ source('governance', 'quarantine') }}
),

rows_quarantined as (
    select source, count(*) as rows_quarantined from quarantined_rows group by source
)

select
    rows_read.source,
    rows_read.rows_read,
    rows_harmonized.rows_harmonized,
    coalesce(rows_quarantined.rows_quarantined, 0) as rows_quarantined,
    rows_read.rows_read - rows_harmonized.rows_harmonized - coalesce(rows_quarantined.rows_quarantined, 0) as rows_unaccounted
from rows_read
inner join rows_harmonized on rows_harmonized.source = rows_read.source
left join rows_quarantined on rows_quarantined.source = rows_read.source
