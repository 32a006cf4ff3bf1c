-- Inventory value (SPEC section 8): WMS physical units x unit cost at each month's last count, by
-- month, location and ABC class (the SKU's class at the location in the current classification;
-- UNCLASSIFIED when it has none), with the totals per location, per class and overall ('ALL').
with

valued as (
    select
        month_end_counts.month,
        month_end_counts.location_id,
        coalesce(classes.abc_class, 'UNCLASSIFIED') as abc_class,
        month_end_counts.wms_quantity as units,
        month_end_counts.wms_value as inventory_value
    from {{ ref('fct_month_end_counts') }} as month_end_counts
    left join {{ ref('fct_inventory_classes') }} as classes
        on classes.sku_id = month_end_counts.sku_id and classes.location_id = month_end_counts.location_id
),

cuts as (
    select month, location_id, abc_class, units, inventory_value from valued
    union all
    select month, location_id, 'ALL', units, inventory_value from valued
    union all
    select month, 'ALL', abc_class, units, inventory_value from valued
    union all
    select month, 'ALL', 'ALL', units, inventory_value from valued
)

select month, location_id, abc_class, sum(units) as units, sum(inventory_value) as inventory_value
from cuts
group by 1, 2, 3
