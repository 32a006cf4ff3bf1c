-- Sales channels: the company's (company.yaml channels), and ALL when it has no channel of role
-- store: the channel of its sales-history rows that name none (stg_history__sales, macro
-- channel_all); ALL has no role.
select channel_id, channel_name, fulfilled_from, description
from {{ ref('stg_company__channels') }}
union all
select
    {{ channel_all() }} as channel_id,
    'All channels' as channel_name,
    cast(null as {{ dbt.type_string() }}) as fulfilled_from,
    'Sales history rows that name no channel (the company has no store channel to put them on)' as description
where not exists (select 1 from {{ ref('stg_company__channels') }} where channel_role = 'store' or channel_id = {{ channel_all() }})
