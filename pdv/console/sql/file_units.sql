-- The units a file's rows and issues name (who may see the file and its feedback).
with named as (
    select f.unit_code as unit from fact_unit_month as f join source_file as s on s.file_id = f.file_id
    where s.path = :path
    union
    select unit from dq_issue where file = :path and unit is not null
)
select distinct unit from named
