-- The share of a location's safety stock held back from each channel's available to sell, per
-- location type of the company and channel of the company: Planline's defaults by location role
-- and channel role (seed channel_safety_buffers) applied to the company's location types and
-- channels of those roles. A channel a location type has no row for does not sell from it.
select
    location_types.location_type,
    channels.channel_id,
    buffers.safety_stock_share
from {{ ref('stg_company__location_types') }} as location_types
inner join {{ ref('channel_safety_buffers') }} as buffers on buffers.location_role = location_types.location_role
inner join {{ ref('stg_company__channels') }} as channels on channels.channel_role = buffers.channel_role
