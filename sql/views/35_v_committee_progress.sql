-- BI: each parent committee's units together, per period and scope: as it was (the committee each unit
-- belonged to in each month) and as it is (today's committees).
create or replace view v_committee_progress as
with cutoff as (
    select max(period_month) as last_month from fact_unit_month where is_current
),
periods as (
    select p.*, cast(p.last_month + interval '1 month' - interval '1 day' as date) as last_day
    from dim_period as p cross join cutoff as c
    where p.first_month <= c.last_month
),
today as (
    select unit_code, parent_code, parent_name from (
        select unit_code, parent_code, parent_name,
               row_number() over (partition by unit_code order by valid_from desc nulls last) as newest
        from dim_unit
    ) as v where newest = 1
),
monthly as (
    select 'as_was' as view, m.parent_code, m.parent_name, m.month_start, m.admitted_total, m.admitted_youth,
           m.admitted_union, m.recognized_full, m.trained, m.received, m.expected, m.is_on_time
    from v_unit_month as m
    union all
    select 'as_is' as view, t.parent_code, t.parent_name, m.month_start, m.admitted_total, m.admitted_youth,
           m.admitted_union, m.recognized_full, m.trained, m.received, m.expected, m.is_on_time
    from v_unit_month as m join today as t on t.unit_code = m.current_unit_code
),
progress as (
    select
        m.view, p.year, p.period, p.period_type, b.scope, m.parent_code, m.parent_name,
        cast(coalesce(sum(m.admitted_total), 0) as integer) as admitted_total,
        cast(coalesce(sum(m.admitted_youth), 0) as integer) as admitted_youth,
        cast(coalesce(sum(m.admitted_union), 0) as integer) as admitted_union,
        cast(coalesce(sum(m.recognized_full), 0) as integer) as recognized_full,
        cast(coalesce(sum(m.trained), 0) as integer) as trained,
        cast(sum(case when m.expected then 1 else 0 end) as integer) as reports_expected,
        cast(sum(case when m.received then 1 else 0 end) as integer) as reports_received,
        cast(sum(case when m.is_on_time then 1 else 0 end) as integer) as reports_on_time
    from monthly as m
    join bridge_period_month as b on b.month_start = m.month_start
    join periods as p on p.period = b.period
    group by m.view, p.year, p.period, p.period_type, b.scope, m.parent_code, m.parent_name
),
-- Targets held on the period's last day, under the holder's committee on that day (as it was) or
-- under today's committee of the unit that carries them now (as it is).
held as (
    select p.period, t.unit_code, t.target_total, t.target_youth, t.target_union, p.last_day
    from periods as p
    join fact_target_held as t on t.year = p.year and t.valid_from <= p.last_day and t.valid_to >= p.last_day
),
placed as (
    select 'as_was' as view, h.period, v.parent_code, v.parent_name, h.target_total, h.target_youth, h.target_union
    from held as h
    join dim_unit as v on v.unit_code = h.unit_code
        and (v.valid_from is null or v.valid_from <= h.last_day) and (v.valid_to is null or v.valid_to >= h.last_day)
    union all
    select 'as_is' as view, h.period, t.parent_code, t.parent_name, h.target_total, h.target_youth, h.target_union
    from held as h
    join (select distinct unit_code, current_unit_code from dim_unit) as c on c.unit_code = h.unit_code
    join today as t on t.unit_code = c.current_unit_code
),
targets as (
    select view, period, parent_code, max(parent_name) as parent_name,
        cast(sum(target_total) as integer) as target_total,
        cast(sum(target_youth) as integer) as target_youth,
        cast(sum(target_union) as integer) as target_union
    from placed
    group by view, period, parent_code
),
grid as (
    select view, year, period, period_type, scope, parent_code, parent_name from progress
    union
    select t.view, p.year, p.period, p.period_type, s.scope, t.parent_code, t.parent_name
    from targets as t
    join periods as p on p.period = t.period
    cross join (select 'period' as scope union all select 'ytd' as scope) as s
)
select
    g.view, g.year, g.period, g.period_type, g.scope, g.parent_code, g.parent_name,
    coalesce(t.target_total, 0) as target_total,
    coalesce(t.target_youth, 0) as target_youth,
    coalesce(t.target_union, 0) as target_union,
    coalesce(p.admitted_total, 0) as admitted_total,
    coalesce(p.admitted_youth, 0) as admitted_youth,
    coalesce(p.admitted_union, 0) as admitted_union,
    coalesce(p.recognized_full, 0) as recognized_full,
    coalesce(p.trained, 0) as trained,
    coalesce(p.reports_expected, 0) as reports_expected,
    coalesce(p.reports_received, 0) as reports_received,
    coalesce(p.reports_on_time, 0) as reports_on_time
from grid as g
left join progress as p on p.view = g.view and p.period = g.period and p.scope = g.scope
    and p.parent_code = g.parent_code
left join targets as t on t.view = g.view and t.period = g.period and t.parent_code = g.parent_code;
