-- Sales channels.
select channel_id, channel_name, fulfilled_from, description
from {{ ref('stg_company__channels') }}
