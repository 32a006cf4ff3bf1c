{#
  The last day of demand history: the newest store or online demand day. Wholesale order lines
  carry requested dates ahead of it (the order book), so they do not say how far history goes.
  with_periods: the S&OP cycle's history (fct_sop_daily_demand), which also holds the sales
  history's week and month rows that are not daily demand (company.yaml history.spread none):
  a monthly history ends on its last month's last day. Daily planning (the panel, the inventory
  marts, the KPIs) reads the daily demand's.
#}
{% macro history_last_day(with_periods=false) %}
    select max(demand_date) as last_day
    from {{ ref('fct_sop_daily_demand') if with_periods else ref('fct_daily_demand') }}
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
