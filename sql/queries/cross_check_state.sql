-- Every unit-month the run touched (stage_touched), with the summary in force, the headers as written
-- and the roster counts: the state the cross checks (roster against summary) read.
select t.unit_key, u.unit_code, t.period_month, s.admitted_total, s.admitted_youth, s.sheet, s.source_row,
       sf.path, h.header_admitted_total, h.header_admitted_youth,
       -- A roster sheet with headers and no (valid) rows is a roster of zero persons, not a missing one.
       coalesce(r.roster_total, case when rh.file_id is not null then 0 end) as roster_total,
       coalesce(r.roster_youth, case when rh.file_id is not null then 0 end) as roster_youth
from stage_touched as t
join dim_unit as u on u.unit_key = t.unit_key
left join fact_unit_month as s on s.unit_key = t.unit_key and s.period_month = t.period_month and s.is_current
left join source_file as sf on sf.file_id = s.file_id
-- The headers as the unit wrote them, joined rather than looked up per row: PostgreSQL runs a
-- correlated subquery once per row (hundreds of thousands of unit-months).
left join (
    select file_id, sheet,
           min(case when column_name = 'admitted_total' then header end) as header_admitted_total,
           min(case when column_name = 'admitted_youth' then header end) as header_admitted_youth
    from source_header
    group by file_id, sheet
) as h on h.file_id = s.file_id and h.sheet is not distinct from s.sheet
left join (
    select a.unit_key, a.period_month, count(*) as roster_total,
           sum(case when a.source = 'youth' then 1 else 0 end) as roster_youth
    from fact_admission as a
    where a.is_current and exists (select 1 from stage_touched as t2
                                   where t2.unit_key = a.unit_key and t2.period_month = a.period_month)
    group by a.unit_key, a.period_month
) as r on r.unit_key = t.unit_key and r.period_month = t.period_month
left join (select distinct file_id from source_header where column_name = 'national_id') as rh on rh.file_id = s.file_id
