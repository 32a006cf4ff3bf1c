{#
  The last day of demand history: the newest POS or online demand day. B2B order lines carry
  requested dates ahead of it (the order book), so they do not say how far history goes.
#}
{% macro history_last_day() %}
    select max(demand_date) as last_day
    from {{ ref('fct_daily_demand') }}
    where channel_id <> 'B2B'
{% endmacro %}
