-- The cockpit's exception summary: how many exceptions of each type and reason, their units and value.
select
    exception_type,
    reason_code,
    count(*) as exceptions,
    sum(units) as units,
    sum(value) as value
from {{ ref('fct_exceptions') }}
group by all
