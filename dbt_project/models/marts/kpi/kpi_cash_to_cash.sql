-- Cash-to-cash cycle (SPEC section 8) by month: DIO + DSO - DPO, in days, with payment terms from
-- the customer and supplier master data. With daily cost of goods sold c = month's COGS / its days
-- of history (the month in progress counts its days so far):
--   DIO: average inventory value / c;
--   DSO: receivables / daily revenue, which for invoices paid on their terms is the revenue-weighted
--        mean payment term: wholesale deliveries on their customer's terms, consumer sales (stores,
--        web, marketplace) paid at the sale (0 days);
--   DPO: payables / c, payables being the month's purchase receipts (units x unit cost) outstanding
--        for their supplier's terms: sum(receipt value x terms) / month's COGS. Manufactured items
--        have no supplier invoice here (materials are not modelled), which lowers DPO.
with

inventory as (
    select month, days_of_history, average_inventory_value, cost_of_goods_sold
    from {{ ref('kpi_inventory_turnover') }}
    where location_id = 'ALL'
),

b2b_revenue as (
    select
        cast({{ dbt.date_trunc('month', 'lines.delivered_date') }} as date) as month,
        sum(lines.delivered_quantity * lines.unit_price) as revenue,
        sum(lines.delivered_quantity * lines.unit_price * customers.payment_terms_days) as revenue_term_days
    from {{ ref('fct_order_lines') }} as lines
    inner join {{ ref('dim_customer') }} as customers on customers.customer_id = lines.customer_id
    where lines.channel_id in {{ channels_of_role('wholesale') }} and lines.delivered_date is not null
    group by 1
),

consumer_revenue as (
    select cast({{ dbt.date_trunc('month', 'demand_date') }} as date) as month, sum(revenue) as revenue
    from {{ ref('fct_daily_demand') }}
    where channel_id not in {{ channels_of_role('wholesale') }}
    group by 1
),

purchases as (
    select
        cast({{ dbt.date_trunc('month', 'receipts.receipt_date') }} as date) as month,
        sum(receipts.received_quantity * skus.unit_cost) as purchase_value,
        sum(receipts.received_quantity * skus.unit_cost * suppliers.payment_terms_days) as purchase_term_days
    from {{ ref('fct_receipts') }} as receipts
    inner join {{ ref('dim_sku') }} as skus on skus.sku_id = receipts.sku_id
    inner join {{ ref('dim_supplier') }} as suppliers on suppliers.supplier_id = receipts.source_id
    where receipts.receipt_type = 'PURCHASE'
    group by 1
),

components as (
    select
        inventory.month,
        inventory.days_of_history,
        inventory.average_inventory_value,
        inventory.cost_of_goods_sold,
        coalesce(b2b_revenue.revenue, 0) + coalesce(consumer_revenue.revenue, 0) as revenue,
        coalesce(b2b_revenue.revenue_term_days, 0) as revenue_term_days,
        coalesce(purchases.purchase_value, 0) as purchase_value,
        coalesce(purchases.purchase_term_days, 0) as purchase_term_days
    from inventory
    left join b2b_revenue on b2b_revenue.month = inventory.month
    left join consumer_revenue on consumer_revenue.month = inventory.month
    left join purchases on purchases.month = inventory.month
),

days as (
    select
        *,
        average_inventory_value * days_of_history / nullif(cost_of_goods_sold, 0) as days_inventory_outstanding,
        revenue_term_days / nullif(revenue, 0) as days_sales_outstanding,
        purchase_term_days / nullif(cost_of_goods_sold, 0) as days_payables_outstanding
    from components
)

select
    month,
    days_of_history,
    average_inventory_value,
    cost_of_goods_sold,
    revenue,
    purchase_value,
    days_inventory_outstanding,
    days_sales_outstanding,
    days_payables_outstanding,
    days_inventory_outstanding + days_sales_outstanding - days_payables_outstanding as cash_to_cash_days
from days
