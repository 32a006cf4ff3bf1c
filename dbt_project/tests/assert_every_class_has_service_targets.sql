-- Every ABC x XYZ combination has its service targets (seed service_level_targets, which planners
-- edit): a missing row would leave the pairs of that class without a policy.
with combinations as (
    select abc_class, xyz_class
    from (values ('A'), ('B'), ('C')) as abc (abc_class)
    cross join (values ('X'), ('Y'), ('Z')) as xyz (xyz_class)
)

select combinations.*
from combinations
left join {{ ref('service_level_targets') }} as targets
    on targets.abc_class = combinations.abc_class and targets.xyz_class = combinations.xyz_class
where targets.abc_class is null
