-- Demand the base S&OP scenario cannot meet: each month x family with unmet units (backlogged or
-- lost) in the balanced plan, reason capacity when a production line's hours bind, supplier when
-- a supplier's capacity does (the binding constraint named in the gap report).
select
    'sop_gap' as exception_type,
    'sop' as horizon,
    case when suppliers.supplier_id is not null then 'supplier' else 'capacity' end as reason_code,
    {{ number_text('round(gaps.unmet_units, 0)') }} || ' of ' || {{ number_text('round(gaps.demand, 0)') }}
    || ' units unmet in the base scenario: ' || gaps.binding_constraint || ' binds' as reason_detail,
    cast(null as {{ dbt.type_string() }}) as sku_id,
    cast(null as {{ dbt.type_string() }}) as location_id,
    cast(null as {{ dbt.type_string() }}) as channel_id,
    cast(null as {{ dbt.type_string() }}) as customer_id,
    gaps.family as reference,
    cast(gaps.month as date) as exception_date,
    gaps.unmet_units as units,
    cast(null as {{ dbt.type_numeric() }}) as value
from {{ optional_source('sop_balancing', 'gap_report', {'scenario': dbt.type_string(), 'month': 'date', 'family': dbt.type_string(), 'demand': dbt.type_float(), 'unmet_units': dbt.type_float(), 'binding_constraint': dbt.type_string()}) }} as gaps
left join {{ ref('dim_supplier') }} as suppliers on gaps.binding_constraint like suppliers.supplier_id || ' %'
where gaps.scenario = 'base' and gaps.unmet_units > 0.5
