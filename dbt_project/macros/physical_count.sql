{#
  The physical count of a stock snapshot row (fct_inventory_snapshots): the WMS's; for a company
  that sends no WMS stock at all (no snapshot has a WMS quantity), the ERP's book quantity is its
  count (the minimal input plus stock). A company with a WMS keeps WMS counts only: a location the
  WMS did not count is a discrepancy, not a count.
#}
{% macro physical_count(snapshot) -%}
    coalesce(
        {{ snapshot }}.wms_quantity,
        case when not exists (select 1 from {{ ref('fct_inventory_snapshots') }} where wms_quantity is not null) then {{ snapshot }}.erp_quantity end
    )
{%- endmacro %}
