-- Open order lines the allocation of scarce stock leaves short: reason allocation, with the
-- allocation's own reason code and sentence (no stock, stock promised to higher-priority or
-- earlier orders, the buffer reserved for committed-volume customers).
select
    'allocation_short' as exception_type,
    'plan' as horizon,
    'allocation' as reason_code,
    allocation.short_reason || ': ' || allocation.short_reason_text as reason_detail,
    allocation.sku_id,
    allocation.location_id,
    allocation.channel_id,
    allocation.customer_id,
    allocation.order_id || '/' || cast(allocation.order_line as {{ dbt.type_string() }}) as reference,
    allocation.due_date as exception_date,
    allocation.short_quantity as units,
    allocation.short_quantity * skus.list_price as value
from {{ source('plan', 'order_allocation') }} as allocation
left join {{ ref('dim_sku') }} as skus on skus.sku_id = allocation.sku_id
where allocation.short_quantity > 0
