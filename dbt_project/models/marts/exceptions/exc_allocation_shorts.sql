-- Open order lines the allocation of scarce stock leaves short, with the allocation's own reason
-- code and sentence. Reason allocation when the stock went to other lines (earlier orders, higher
-- priority, the buffer reserved for committed-volume customers); when the line got all there was
-- (NO_STOCK, INSUFFICIENT_STOCK) the shortage is the location's: the reason of its projected
-- shortage, else lead_time.
select
    'allocation_short' as exception_type,
    'plan' as horizon,
    case
        when allocation.short_reason in ('NO_STOCK', 'INSUFFICIENT_STOCK') then coalesce(shortages.reason_code, 'lead_time')
        else 'allocation'
    end as reason_code,
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
left join {{ ref('exc_projected_shortages') }} as shortages
    on shortages.sku_id = allocation.sku_id and shortages.location_id = allocation.location_id
where allocation.short_quantity > 0
