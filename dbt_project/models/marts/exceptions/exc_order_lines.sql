-- Late or short order lines (every due line that was not OTIF) with the reason the supply side
-- gives, first match wins:
--   data_quality: the stock record was wrong or stale around the order: an ERP/WMS discrepancy or
--                 a late stock event for the SKU at its ship-from location between the order
--                 date (less a week) and the promised date;
--   the ship-from location closed the eve of the promised date with stock enough for the line:
--     allocation: the line was shipped short: the stock went to other orders;
--     lead_time:  it was shipped in full but late: dispatch and delivery took longer than promised;
--   supplier:     a purchase order for the SKU and location due in the var exception_cause_days
--                 before the promised date came late or short;
--   capacity:     a production order for it due in that window completed late or short;
--   lead_time:    otherwise: demand beyond what stock and the replenishment lead time covered.
-- Quantities in the sentences are base units.
with

failed_lines as (
    select
        lines.*,
        {{ dbt.dateadd('day', -var('exception_cause_days'), 'lines.promised_date') }} as cause_window_start,
        {{ dbt.dateadd('day', -1, 'lines.promised_date') }} as promise_eve
    from {{ ref('fct_order_line_service') }} as lines
    where not lines.is_otif
),

stock_record_issues as (
    select sku_id, location_id, snapshot_date as issue_date, 'ERP book and WMS count differed on ' || cast(snapshot_date as {{ dbt.type_string() }}) as issue
    from {{ ref('gov_inventory_discrepancies') }}
    union all
    select movements.sku_id, movements.location_id, late.event_date,
        'a ' || late.event_type || ' event of ' || cast(late.event_date as {{ dbt.type_string() }}) || ' arrived ' || cast(cast(late.hours_late as integer) as {{ dbt.type_string() }}) || ' h late'
    from {{ ref('gov_late_events') }} as late
    inner join {{ ref('fct_stock_movements') }} as movements on movements.event_id = late.event_id
),

late_supply as (
    select sku_id, location_id, expected_date as due_date, 'supplier' as reason_code,
        'purchase order ' || purchase_order_id || ' from ' || supplier_id || ' due ' || cast(expected_date as {{ dbt.type_string() }})
        || case when receipt_date is null then ' not received' when receipt_date > expected_date then ' received ' || cast(receipt_date as {{ dbt.type_string() }}) else '' end
        || case when received_quantity < ordered_quantity then ' short (' || {{ number_text('received_quantity') }} || ' of ' || {{ number_text('ordered_quantity') }} || ')' else '' end as cause
    from {{ ref('fct_purchase_order_lines') }}
    where receipt_date is null or receipt_date > expected_date or received_quantity < ordered_quantity
    union all
    select sku_id, location_id, due_date, 'capacity',
        'production order ' || production_order_id || ' on ' || production_line_id || ' due ' || cast(due_date as {{ dbt.type_string() }})
        || case when completed_date is null then ' not completed' when completed_date > due_date then ' completed ' || cast(completed_date as {{ dbt.type_string() }}) else '' end
        || case when completed_quantity < 0.95 * planned_quantity then ' short (' || {{ number_text('completed_quantity') }} || ' of ' || {{ number_text('planned_quantity') }} || ')' else '' end
    from {{ ref('fct_production_orders') }}
    where completed_date is null or completed_date > due_date or completed_quantity < 0.95 * planned_quantity
),

line_causes as (
    select failed_lines.order_id, failed_lines.order_line, failed_lines.channel_id, 1 as precedence, 'data_quality' as reason_code,
        issues.issue_date as cause_date, issues.issue as cause
    from failed_lines
    inner join stock_record_issues as issues
        on issues.sku_id = failed_lines.sku_id and issues.location_id = failed_lines.ship_from_location_id
        and issues.issue_date between {{ dbt.dateadd('day', -7, 'failed_lines.order_date') }} and failed_lines.promised_date
    union all
    select failed_lines.order_id, failed_lines.order_line, failed_lines.channel_id, 2,
        case when failed_lines.delivered_quantity >= failed_lines.ordered_quantity then 'lead_time' else 'allocation' end,
        stock.date_day,
        {{ number_text('stock.closing_units') }} || ' units in stock at ' || stock.location_id || ' the eve of the promised date, enough for the line: '
        || case when failed_lines.delivered_quantity >= failed_lines.ordered_quantity
            then 'dispatch and delivery took longer than promised'
            else 'the stock went to other orders'
        end
    from failed_lines
    inner join {{ ref('fct_daily_stock') }} as stock
        on stock.sku_id = failed_lines.sku_id and stock.location_id = failed_lines.ship_from_location_id and stock.date_day = failed_lines.promise_eve
    where stock.closing_units >= failed_lines.ordered_quantity
    union all
    select failed_lines.order_id, failed_lines.order_line, failed_lines.channel_id, case late_supply.reason_code when 'supplier' then 3 else 4 end,
        late_supply.reason_code, late_supply.due_date, late_supply.cause
    from failed_lines
    inner join late_supply
        on late_supply.sku_id = failed_lines.sku_id and late_supply.location_id = failed_lines.ship_from_location_id
        and late_supply.due_date between failed_lines.cause_window_start and failed_lines.promised_date
),

first_causes as (
    select *
    from (
        select line_causes.*, row_number() over (partition by order_id, order_line, channel_id order by precedence, cause_date desc, cause) as cause_rank
        from line_causes
    ) as ranked
    where cause_rank = 1
)

select
    case when failed_lines.delivered_quantity >= failed_lines.ordered_quantity then 'late_line' else 'short_line' end as exception_type,
    'history' as horizon,
    coalesce(first_causes.reason_code, 'lead_time') as reason_code,
    case
        when failed_lines.delivered_quantity >= failed_lines.ordered_quantity
            then 'delivered ' || coalesce(cast(failed_lines.delivered_date as {{ dbt.type_string() }}), 'never') || ' for ' || cast(failed_lines.promised_date as {{ dbt.type_string() }})
        else 'delivered ' || {{ number_text('coalesce(failed_lines.delivered_quantity, 0)') }} || ' of ' || {{ number_text('failed_lines.ordered_quantity') }}
            || ' (' || failed_lines.status || ')'
    end || ': ' || coalesce(first_causes.cause, 'no stock at ' || coalesce(failed_lines.ship_from_location_id, 'the ship-from location')
        || ' and no supply late: demand beyond what stock and the replenishment lead time covered') as reason_detail,
    failed_lines.sku_id,
    failed_lines.ship_from_location_id as location_id,
    failed_lines.channel_id,
    failed_lines.customer_id,
    failed_lines.order_id || '/' || cast(failed_lines.order_line as {{ dbt.type_string() }}) as reference,
    failed_lines.promised_date as exception_date,
    failed_lines.ordered_quantity - failed_lines.units_on_time as units,
    (failed_lines.ordered_quantity - failed_lines.units_on_time) * failed_lines.unit_price as value
from failed_lines
left join first_causes
    on first_causes.order_id = failed_lines.order_id and first_causes.order_line = failed_lines.order_line and first_causes.channel_id = failed_lines.channel_id
