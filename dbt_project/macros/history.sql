{#
  The last day of demand history: the newest store or online demand day. Wholesale order lines
  carry requested dates ahead of it (the order book), so they do not say how far history goes.
#}
{% macro history_last_day() %}
    select max(demand_date) as last_day
    from {{ ref('fct_daily_demand') }}
    where channel_id not in {{ channels_of_role('wholesale') }}
{% endmacro %}
