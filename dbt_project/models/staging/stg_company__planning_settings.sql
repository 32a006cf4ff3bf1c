-- Planning settings where the data says nothing (company.yaml planning), and how the sales
-- history's week and month rows reach daily planning (company.yaml history.spread): one row.
-- A view: always the configuration the last run wrote (asset company/planning_settings).
select
    company_name,
    business_timezone,
    forecast_horizon_days,
    sop_horizon_months,
    cycle_service_level,
    fill_rate,
    default_lead_time_days,
    default_review_period_days,
    order_cost,
    annual_holding_rate,
    history_spread
from {{ source('company', 'planning_settings') }}
