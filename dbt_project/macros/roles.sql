{#
  Planline's roles. A company names its channels, location types, units and code systems its own
  way; its configuration (company.yaml, in the warehouse as schema company, read through the
  stg_company__* views) maps each of its codes to one of Planline's roles, and the models select
  by role, never by a company's code. Planline's own defaults (seeds replenishment_settings,
  shipping_costs, transfer_costs, channel_safety_buffers) are keyed by role too:
    - channels.channel_role: store (sold at a store's till, the POS), online (web-shop orders shipped
      from a warehouse or a store), marketplace (third-party marketplace orders shipped from a
      warehouse), wholesale (customers' orders in the ERP, allocated by customer segment);
    - location_types.location_role: plant, warehouse, store, virtual (a channel's virtual location,
      such as the web shop);
    - unit_roles.unit_role: base (the item's base unit), case (the purchase unit, MOQ in cases),
      store_pack (the pack stores are delivered in), bundle (the unit marketplace orders sell in),
      other;
    - code_systems.code_role: item_master (the item master's own codes), warehouse (the WMS's),
      point_of_sale (the tills' barcodes), marketplace (the marketplace's listings), other.
  other: a unit or code system none of Planline's models looks for.
  POS sales and ERP sales orders carry no channel: they are the store and the wholesale channel's,
  so a company has at most one channel of each of these two roles (test of source company.channels).
#}

{% macro planline_roles(kind) -%}
    {%- set roles = {
        'channel': ['store', 'online', 'marketplace', 'wholesale'],
        'location': ['plant', 'warehouse', 'store', 'virtual'],
        'unit': ['base', 'case', 'store_pack', 'bundle', 'other'],
        'code': ['item_master', 'warehouse', 'point_of_sale', 'marketplace', 'other'],
    } -%}
    {{ return(roles[kind]) }}
{%- endmacro %}

{# 'a', 'b': the roles quoted for an in list, each checked against the vocabulary of its kind #}
{% macro role_list(kind, roles) -%}
    {%- set roles = [roles] if roles is string else roles -%}
    {%- for role in roles -%}
        {%- if role not in planline_roles(kind) -%}
            {{ exceptions.raise_compiler_error("'" ~ role ~ "' is not a " ~ kind ~ " role of Planline (" ~ planline_roles(kind) | join(', ') ~ ")") }}
        {%- endif -%}
        '{{ role }}'{{ ', ' if not loop.last }}
    {%- endfor -%}
{%- endmacro %}

{# The ids of the channels of the roles, as a subquery: `channel_id in {{ channels_of_role('wholesale') }}` #}
{% macro channels_of_role(roles) -%}
    (select channel_id from {{ ref('stg_company__channels') }} where channel_role in ({{ role_list('channel', roles) }}))
{%- endmacro %}

{# The one channel of a role, as a scalar subquery: the channel of rows whose source names none
   (POS sales: store; ERP sales orders: wholesale). Null without one; two fail the query. #}
{% macro channel_of_role(role) -%}
    (select channel_id from {{ ref('stg_company__channels') }} where channel_role = {{ role_list('channel', role) }})
{%- endmacro %}

{# The location types of the roles, as a subquery: `location_type in {{ location_types_of_role(['warehouse', 'store']) }}` #}
{% macro location_types_of_role(roles) -%}
    (select location_type from {{ ref('stg_company__location_types') }} where location_role in ({{ role_list('location', roles) }}))
{%- endmacro %}

{# The code systems of the roles, as a subquery: `source_system in {{ code_systems_of_role('point_of_sale') }}` #}
{% macro code_systems_of_role(roles) -%}
    (select code_system from {{ ref('stg_company__code_systems') }} where code_role in ({{ role_list('code', roles) }}))
{%- endmacro %}
