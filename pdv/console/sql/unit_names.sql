-- Every unit code with the name of its latest version.
with ranked as (
    select unit_code, unit_name, row_number() over (partition by unit_code order by valid_from desc nulls last) as n
    from dim_unit
)
select unit_code, unit_name from ranked where n = 1 order by unit_code
