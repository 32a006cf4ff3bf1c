-- Goods receipts at the DCs matched to their purchase or manufacturing order.
-- Partitioned run: the window's receipts are recomputed, and so are earlier receipts of the
-- purchase or manufacturing orders whose ERP rows are in the window (their dates may have changed).
{{ config(materialized='incremental', incremental_strategy='replace_days', unique_key='receipt_id', day_column='receipt_date', on_schema_change='fail') }}

with receipts as (
    select * from {{ ref('int_wms_movements') }} as movements
    where event_type = 'RECEIPT'
    {% if is_incremental() %}
    and (
        {{ in_window('partition_date') }}
        or {{ dbt.split_part('reference', "'/'", 1) }} in (select purchase_order_id from {{ ref('int_purchase_order_lines') }} where {{ in_window('partition_date') }})
        or reference in (select production_order_id from {{ ref('int_production_orders') }} where {{ in_window('partition_date') }})
    )
    {% endif %}
),

parsed as (
    select
        receipts.*,
        case when receipts.reference like 'PO%' then {{ dbt.split_part('receipts.reference', "'/'", 1) }} end as purchase_order_id,
        case when receipts.reference like 'PO%' then {{ dbt.safe_cast(dbt.split_part('receipts.reference', "'/'", 2), 'integer') }} end as purchase_order_line,
        case when receipts.reference like 'MO%' then receipts.reference end as production_order_id
    from receipts
)

select
    parsed.event_id as receipt_id,
    parsed.event_date as receipt_date,
    parsed.location_id,
    parsed.sku_id,
    parsed.quantity_base as received_quantity,
    case
        when parsed.purchase_order_id is not null then 'PURCHASE'
        when parsed.production_order_id is not null then 'PRODUCTION'
        else 'UNMATCHED'
    end as receipt_type,
    parsed.purchase_order_id,
    parsed.purchase_order_line,
    parsed.production_order_id,
    coalesce(po_lines.supplier_id, production.production_line_id) as source_id,
    coalesce(po_lines.order_date, production.planned_start_date) as order_date,
    coalesce(po_lines.expected_date, production.due_date) as expected_date,
    {{ dbt.datediff('coalesce(po_lines.order_date, production.planned_start_date)', 'parsed.event_date', 'day') }} as lead_time_days
from parsed
left join {{ ref('int_purchase_order_lines') }} as po_lines
    on po_lines.purchase_order_id = parsed.purchase_order_id
    and po_lines.purchase_order_line = parsed.purchase_order_line
left join {{ ref('int_production_orders') }} as production
    on production.production_order_id = parsed.production_order_id
