-- The code systems of the item cross-reference and their roles (company.yaml code_systems).
-- A view: always the configuration the last run wrote (asset company/code_systems).
select
    code_system,
    code_role
from {{ source('company', 'code_systems') }}
