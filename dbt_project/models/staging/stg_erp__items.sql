-- Fields the item master may leave out (the minimal input's items can be codes alone) get a
-- default: the description is the code; the base unit is the company's unit of role base when it
-- declares exactly one (company.yaml units), else 'UNIT'. The others stay null: what needs them
-- (costs, sourcing, family) says so downstream.
with valid_rows as (
    {{ valid_source_rows('erp_items') }}
),

company_base_unit as (
    select case when count(*) = 1 then min(unit) end as unit
    from {{ ref('stg_company__unit_roles') }}
    where unit_role = 'base'
),

renamed as (
    select
        item_code as sku_id,
        coalesce(description, item_code) as description,
        family,
        coalesce(base_unit, (select unit from company_base_unit), 'UNIT') as base_unit,
        purchase_unit,
        {{ to_number('unit_cost') }} as unit_cost,
        {{ to_number('list_price') }} as list_price,
        make_or_buy,
        supplier_code as supplier_id,
        production_line as production_line_id,
        {{ to_whole_number('moq_cases') }} as moq_cases,
        {{ parse_iso_date('launch_date') }} as launch_date,
        {{ parse_iso_date('discontinued_date') }} as discontinued_date,
        _source_file as source_file,
        _row_number as source_row_number
    from valid_rows
)

select * from renamed
