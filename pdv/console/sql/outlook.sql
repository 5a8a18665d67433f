-- The early warning at the latest month end of a year (v_unit_outlook, issue 17).
with latest as (
    select max(month) as month from v_unit_outlook where year = :year
)
select o.* from v_unit_outlook as o join latest as l on o.month = l.month
where o.year = :year
order by o.stt nulls last, o.unit_code
