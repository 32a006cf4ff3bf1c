-- The plan the cockpit's header names, one row: the company, the last day of history, the
-- inventory plan's version, and the S&OP plan proposed last with its decision. A view: the
-- approval (job approve_sop_plan) changes a proposal's status in place, and the page shows it.
-- Built before the first S&OP cycle (no consensus plan yet), its S&OP columns stay empty until
-- a run that writes the consensus plan rebuilds it: sop_monthly builds the cockpit's models after it.
{{ config(materialized='view') }}
with proposals as (
    select
        plan_version,
        any_value(status) as status,
        max(proposed_at) as proposed_at
    from {{ optional_source('sop_balancing', 'consensus_plan', {'plan_version': dbt.type_string(), 'status': dbt.type_string(), 'proposed_at': dbt.type_timestamp()}) }}
    group by plan_version
),

latest_proposal as (
    select plan_version, status
    from proposals
    order by proposed_at desc nulls last, plan_version
    limit 1
)

select
    (select any_value(company_name) from {{ ref('stg_company__planning_settings') }}) as company_name,
    -- the stock position's day, else (a company that sends no stock) the demand's
    coalesce(
        (select max(as_of_date) from {{ ref('fct_stock_position') }}),
        (select max(demand_date) from {{ ref('fct_daily_demand') }})
    ) as history_end,
    (select any_value(plan_version) from {{ source('plan', 'projected_inventory') }}) as plan_version,
    (select plan_version from latest_proposal) as sop_plan_version,
    (select status from latest_proposal) as sop_status
