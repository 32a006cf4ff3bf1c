-- The location master may leave out all but the code and the type (the minimal input's
-- locations can be codes drawn from a sales file): a location without name is named by its code.
with valid_rows as (
    {{ valid_source_rows('erp_locations') }}
),

renamed as (
    select
        location_code as location_id,
        coalesce(name, location_code) as location_name,
        location_type,
        parent_code as parent_location_id,
        region,
        wms_receiving_unit,
        _source_file as source_file,
        _row_number as source_row_number
    from valid_rows
)

select * from renamed
