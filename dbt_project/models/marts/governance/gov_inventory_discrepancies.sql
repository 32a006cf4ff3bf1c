-- Snapshots where the ERP book and the WMS physical stock disagree (or one side is missing).
-- Only a company that sends both has anything to compare: without any WMS stock (the ERP's book
-- is then the count, macro physical_count) or without any ERP book stock, no row is a
-- discrepancy, and kpi.kpi_availability says once why the inventory discrepancy is not computed.
-- Partitioned run: the window's snapshot dates are replaced.
{{ config(materialized='incremental', incremental_strategy='replace_days', day_column='snapshot_date', on_schema_change='fail') }}

select
    snapshot_date,
    location_id,
    sku_id,
    erp_quantity,
    wms_quantity,
    discrepancy_quantity,
    discrepancy_value,
    case
        when erp_quantity is null then 'in the WMS count but not in the ERP book: post the stock in the ERP'
        when wms_quantity is null then 'in the ERP book but not counted in the WMS: count the location'
        else 'ERP book differs from WMS physical count by ' || cast(discrepancy_quantity as {{ dbt.type_string() }})
            || ' units: investigate missing postings or recount'
    end as reason
from {{ ref('fct_inventory_snapshots') }}
where (erp_quantity is null or wms_quantity is null or erp_quantity <> wms_quantity) and {{ in_window('snapshot_date') }}
    and exists (select 1 from {{ ref('fct_inventory_snapshots') }} where wms_quantity is not null)
    and exists (select 1 from {{ ref('fct_inventory_snapshots') }} where erp_quantity is not null)
