-- BI: every unit and month up to the data cut-off: the unit version its figures count under, whether a
-- report was due and received, and the report's figures (the grain the progress views add up).
create or replace view v_unit_month as
with cutoff as (
    select max(period_month) as last_month from fact_unit_month where is_current
),
months as (
    select distinct b.month_start from bridge_period_month as b cross join cutoff as c
    where b.month_start <= c.last_month
),
-- A unit's figures for a month count under the latest version overlapping the month; the unit is
-- expected to report if it existed on the month's first day.
spans as (
    select
        v.unit_code, m.month_start, v.unit_key, v.parent_code, v.parent_name, v.current_unit_code,
        max(case when v.valid_from is null or v.valid_from <= m.month_start then 1 else 0 end)
            over (partition by v.unit_code, m.month_start) as exists_at_start,
        row_number() over (partition by v.unit_code, m.month_start order by v.valid_from desc nulls last) as newest
    from months as m
    join dim_unit as v
        on (v.valid_from is null or v.valid_from < m.month_start + interval '1 month')
        and (v.valid_to is null or v.valid_to >= m.month_start)
),
reports as (
    select * from fact_unit_month where is_current and unit_key is not null
)
select
    s.unit_code, s.month_start, s.unit_key, s.parent_code, s.parent_name, s.current_unit_code,
    r.admitted_total, r.admitted_youth, r.admitted_union, r.recognized_full, r.trained, r.sympathizers,
    r.is_on_time, r.unit_key is not null as received,
    s.exists_at_start = 1 or r.unit_key is not null as expected
from spans as s
left join reports as r on r.unit_key = s.unit_key and r.period_month = s.month_start
where s.newest = 1;
