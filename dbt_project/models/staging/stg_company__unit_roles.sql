-- The company's units of measure and their roles (company.yaml units).
-- A view: always the configuration the last run wrote (asset company/unit_roles).
select
    unit,
    unit_role,
    factor_to_base
from {{ source('company', 'unit_roles') }}
