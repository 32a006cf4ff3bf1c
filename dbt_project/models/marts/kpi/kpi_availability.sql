-- Whether each KPI (kpi_definitions) can be computed from this company's data, and if not why,
-- in plain words naming the missing input (the Planline table to send: docs/company.md, The
-- minimal input). Read from the facts and dimensions the KPIs themselves read: an input counts
-- when it has rows (or, for a field, values), whichever company sends it. A company that brings
-- only items, locations and a sales history has no stock, no orders, no production and no event
-- streams: its stock and service KPIs are not computed, rather than shown as a 0 that reads as a
-- result (0 days of coverage, 0 % OTIF). kpi_scorecard carries the reason in place of a value.
-- A KPI without a requirement listed in needs below (a new KPI until one is added) is computed:
-- the left join gives it no requirement and is_computed defaults to true.
with

inputs as (
    select
        exists (select 1 from {{ ref('fct_inventory_snapshots') }} where erp_quantity is not null or wms_quantity is not null) as has_stock,
        exists (select 1 from {{ ref('fct_inventory_snapshots') }} where erp_quantity is not null) as has_erp_stock,
        exists (select 1 from {{ ref('fct_inventory_snapshots') }} where wms_quantity is not null) as has_wms_stock,
        exists (select 1 from {{ ref('dim_sku') }} where unit_cost is not null) as has_unit_costs,
        exists (select 1 from {{ ref('fct_daily_demand') }} where revenue is not null) as has_prices,
        exists (select 1 from {{ ref('dim_supplier') }} where payment_terms_days is not null) as has_supplier_terms,
        exists (select 1 from {{ ref('fct_order_lines') }}) as has_orders,
        exists (select 1 from {{ ref('fct_production_orders') }}) as has_production_orders,
        exists (select 1 from {{ ref('dim_production_line') }}) as has_production_lines,
        exists (select 1 from {{ ref('fct_stock_movements') }} where export_latency_seconds is not null)
            or exists (select 1 from {{ ref('int_oms_events') }} where export_latency_seconds is not null) as has_event_streams,
        exists (select 1 from {{ ref('fct_returns') }} where channel_id not in {{ channels_of_role('store') }}) as has_online_returns,
        exists (select 1 from {{ source('forecasts', 'backtest_forecasts') }}) as has_backtest
),

-- each input: whether the company's data has it and, if not, what to say
checks as (
    select input, met, missing
    from inputs
    cross join lateral (
        values
            ('orders', has_orders, 'the company sends no customer orders (erp_sales_orders, oms_events)'),
            ('stock', has_stock, 'the company sends no stock on hand (erp_inventory, wms_stock)'),
            ('erp_stock', has_erp_stock, 'the company sends no ERP book stock (erp_inventory): no book to compare the WMS counts with'),
            ('wms_stock', has_wms_stock, 'the company sends no WMS stock counts (wms_stock): no physical count to compare the ERP book with'),
            ('unit_costs', has_unit_costs, 'its items have no unit cost (erp_items unit_cost): its stock has no value'),
            ('prices', has_prices, 'its sales have no price (sales_history unit_price, erp_prices, erp_items list_price): no revenue'),
            ('supplier_terms', has_supplier_terms, 'the company sends no supplier payment terms (erp_suppliers payment_terms_days)'),
            ('production_orders', has_production_orders, 'the company sends no production orders (erp_production_orders)'),
            ('production_lines', has_production_lines, 'the company sends no production lines (erp_production_lines)'),
            ('event_streams', has_event_streams, 'the company sends no event streams (wms_events, oms_events): daily files have no event-to-arrival time'),
            ('online_returns', has_online_returns, 'the company sends no online returns received and restocked in its warehouses (wms_events)'),
            ('backtest', has_backtest, 'no backtest of the demand model yet: the weekly training has not scored one')
    ) as checked (input, met, missing)
),

-- the inputs each KPI needs, in the order its reasons are told
needs as (
    select * from (
        values
            ('otif_rate', 1, 'orders'),
            ('unit_fill_rate', 1, 'orders'),
            ('stockout_rate', 1, 'stock'),
            ('inventory_turnover', 1, 'stock'),
            ('inventory_turnover', 2, 'unit_costs'),
            ('days_of_coverage', 1, 'stock'),
            ('forecast_wape', 1, 'backtest'),
            ('forecast_bias', 1, 'backtest'),
            ('inventory_value', 1, 'stock'),
            ('inventory_value', 2, 'unit_costs'),
            ('cash_to_cash_days', 1, 'stock'),
            ('cash_to_cash_days', 2, 'unit_costs'),
            ('cash_to_cash_days', 3, 'prices'),
            ('cash_to_cash_days', 4, 'supplier_terms'),
            ('oee', 1, 'production_lines'),
            ('oee', 2, 'production_orders'),
            ('plan_adherence', 1, 'production_orders'),
            ('inventory_discrepancy', 1, 'wms_stock'),
            ('inventory_discrepancy', 2, 'erp_stock'),
            ('inventory_discrepancy', 3, 'unit_costs'),
            ('sync_latency_p50_seconds', 1, 'event_streams'),
            ('sync_latency_p95_seconds', 1, 'event_streams'),
            ('returns_reintegrated_24h', 1, 'online_returns')
    ) as needs (kpi, position, input)
),

requirements as (
    select needs.kpi, needs.position, needs.input, checks.met, checks.missing
    from needs
    inner join checks on checks.input = needs.input
),

judged as (
    select
        kpi,
        bool_and(met) as is_computed,
        string_agg(case when not met then missing end, '; ' order by position) as reason,
        string_agg(case when not met then input end, ', ' order by position) as missing_inputs
    from requirements
    group by 1
)

select
    definitions.kpi,
    coalesce(judged.is_computed, true) as is_computed,  -- no requirement listed: computed
    judged.reason,
    judged.missing_inputs
from {{ ref('kpi_definitions') }} as definitions
left join judged on judged.kpi = definitions.kpi
