{#
  The last day of demand history: the newest store or online demand day. Wholesale order lines
  carry requested dates ahead of it (the order book), so they do not say how far history goes.
#}
{% macro history_last_day() %}
    select max(demand_date) as last_day
    from {{ ref('fct_daily_demand') }}
    where channel_id not in {{ channels_of_role('wholesale') }}
{% endmacro %}

{#
  The channel of sales-history rows that name none when the company has no channel of role store
  (the store channel's otherwise): 'ALL', as promotions name every channel. dim_channel lists it
  then; it has no role (not the store channel: no store closures; not wholesale: it is history).
#}
{% macro channel_all() -%}
    'ALL'
{%- endmacro %}
