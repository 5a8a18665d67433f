-- BI: every unit's progress for each quarter, half and year, for the period alone and year to date,
-- as it was (the units and parents of the time) and as it is (everything on today's units).
create or replace view v_unit_progress as
with cutoff as (
    select max(period_month) as last_month from fact_unit_month where is_current
),
periods as (
    select p.*, cast(p.last_month + interval '1 month' - interval '1 day' as date) as last_day
    from dim_period as p cross join cutoff as c
    where p.first_month <= c.last_month
),
monthly as (
    select * from v_unit_month
),
codes as (
    select distinct unit_code, current_unit_code from dim_unit
),
viewed as (
    select 'as_was' as view, m.unit_code as group_code, m.* from monthly as m
    union all
    select 'as_is' as view, c.current_unit_code as group_code, m.*
    from monthly as m join codes as c on c.unit_code = m.unit_code
),
-- The months of each period and scope up to the cut-off: flows add up over them.
scopes as (
    select p.year, p.period, p.period_type, b.scope,
        min(b.month_start) as first_month, max(b.month_start) as final_month
    from periods as p
    join bridge_period_month as b on b.period = p.period
    cross join cutoff as c
    where b.month_start <= c.last_month
    group by p.year, p.period, p.period_type, b.scope
),
flows as (
    select
        v.view, s.year, s.period, s.period_type, s.scope, v.group_code,
        cast(coalesce(sum(v.admitted_total), 0) as integer) as admitted_total,
        cast(coalesce(sum(v.admitted_youth), 0) as integer) as admitted_youth,
        cast(coalesce(sum(v.admitted_union), 0) as integer) as admitted_union,
        cast(coalesce(sum(v.recognized_full), 0) as integer) as recognized_full,
        cast(coalesce(sum(v.trained), 0) as integer) as trained,
        cast(sum(case when v.expected then 1 else 0 end) as integer) as reports_expected,
        cast(sum(case when v.received then 1 else 0 end) as integer) as reports_received,
        cast(sum(case when v.is_on_time then 1 else 0 end) as integer) as reports_on_time
    from viewed as v
    join bridge_period_month as b on b.month_start = v.month_start
    join scopes as s on s.period = b.period and s.scope = b.scope
    group by v.view, s.year, s.period, s.period_type, s.scope, v.group_code
),
-- The candidate pool is a stock: each unit's last reported figure within the scope, if the unit still
-- exists in the scope's last month (one that ceased passed its pool on).
as_of as (
    select unit_code, month_start,
        max(case when received then month_start end) over (
            partition by unit_code order by month_start rows between unbounded preceding and current row
        ) as reported_month
    from monthly
),
stocks as (
    select s.period, s.scope, a.unit_code, m.sympathizers
    from scopes as s
    join as_of as a on a.month_start = s.final_month and a.reported_month >= s.first_month
    join monthly as m on m.unit_code = a.unit_code and m.month_start = a.reported_month
),
members as (
    select 'as_was' as view, unit_code, unit_code as group_code from codes
    union all
    select 'as_is' as view, unit_code, current_unit_code as group_code from codes
),
stock_groups as (
    select g.view, s.period, s.scope, g.group_code, cast(sum(s.sympathizers) as integer) as sympathizers_end
    from stocks as s join members as g on g.unit_code = s.unit_code
    group by g.view, s.period, s.scope, g.group_code
),
progress as (
    select f.*, g.sympathizers_end
    from flows as f
    left join stock_groups as g
        on g.view = f.view and g.period = f.period and g.scope = f.scope and g.group_code = f.group_code
),
-- The yearly target each unit holds on the period's last day (passed on by merges and splits).
held as (
    select p.period, t.unit_code, t.target_total, t.target_youth, t.target_union
    from periods as p
    join fact_target_held as t on t.year = p.year and t.valid_from <= p.last_day and t.valid_to >= p.last_day
),
targets as (
    select v.view, h.period, v.group_code,
        cast(sum(h.target_total) as integer) as target_total,
        cast(sum(h.target_youth) as integer) as target_youth,
        cast(sum(h.target_union) as integer) as target_union
    from held as h
    join members as v on v.unit_code = h.unit_code
    group by v.view, h.period, v.group_code
),
stt as (
    select c.unit_code, c.current_unit_code, min(t.annex_stt) as stt
    from codes as c left join fact_target as t on t.unit_code = c.unit_code and t.is_current
    group by c.unit_code, c.current_unit_code
),
-- As it is, a unit lists at the first place of the units it took over. A join, not a correlated
-- subquery: PostgreSQL would run that once per row.
stt_now as (
    select current_unit_code, min(stt) as stt from stt group by current_unit_code
),
grid as (
    select p.view, p.year, p.period, p.period_type, p.scope, p.group_code from progress as p
    union
    select t.view, p.year, p.period, p.period_type, s.scope, t.group_code
    from targets as t
    join periods as p on p.period = t.period
    cross join (select 'period' as scope union all select 'ytd' as scope) as s
),
-- Names and parents: as it was, the unit's latest version by the period's end; as it is, today's.
labels as (
    select 'as_was' as view, p.period, v.unit_code, v.unit_name, v.unit_type, v.parent_code, v.parent_name,
        row_number() over (partition by p.period, v.unit_code order by v.valid_from desc nulls last) as rn
    from periods as p join dim_unit as v on v.valid_from is null or v.valid_from <= p.last_day
    union all
    select 'as_is' as view, p.period, v.unit_code, v.unit_name, v.unit_type, v.parent_code, v.parent_name,
        row_number() over (partition by p.period, v.unit_code order by v.valid_from desc nulls last) as rn
    from periods as p cross join dim_unit as v
),
errors as (
    select 'as_was' as view, d.unit as group_code, b.period, b.scope, count(*) as n
    from dq_issue as d join bridge_period_month as b on b.month_label = d.period
    where d.status = 'open' and d.severity = 'error'
    group by d.unit, b.period, b.scope
    union all
    select 'as_is' as view, c.current_unit_code as group_code, b.period, b.scope, count(*) as n
    from dq_issue as d
    join bridge_period_month as b on b.month_label = d.period
    join codes as c on c.unit_code = d.unit
    where d.status = 'open' and d.severity = 'error'
    group by c.current_unit_code, b.period, b.scope
)
select
    g.view, g.year, g.period, g.period_type, g.scope,
    case when g.view = 'as_was' then s.stt else n.stt end as stt,
    g.group_code as unit_code, l.unit_name, l.unit_type, l.parent_code, l.parent_name,
    coalesce(t.target_total, 0) as target_total,
    coalesce(t.target_youth, 0) as target_youth,
    coalesce(t.target_union, 0) as target_union,
    coalesce(p.admitted_total, 0) as admitted_total,
    coalesce(p.admitted_youth, 0) as admitted_youth,
    coalesce(p.admitted_union, 0) as admitted_union,
    cast(round(100.0 * p.admitted_total / nullif(t.target_total, 0), 1) as double precision) as achievement_pct,
    cast(round(100.0 * p.admitted_youth / nullif(p.admitted_total, 0), 1) as double precision) as youth_share_pct,
    coalesce(p.recognized_full, 0) as recognized_full,
    coalesce(p.trained, 0) as trained,
    p.sympathizers_end,
    coalesce(p.reports_expected, 0) as reports_expected,
    coalesce(p.reports_received, 0) as reports_received,
    coalesce(p.reports_on_time, 0) as reports_on_time,
    cast(coalesce(e.n, 0) as integer) as open_errors
from grid as g
left join progress as p
    on p.view = g.view and p.period = g.period and p.scope = g.scope and p.group_code = g.group_code
left join targets as t on t.view = g.view and t.period = g.period and t.group_code = g.group_code
left join stt as s on s.unit_code = g.group_code
left join stt_now as n on n.current_unit_code = g.group_code
left join labels as l on l.view = g.view and l.period = g.period and l.unit_code = g.group_code and l.rn = 1
left join errors as e on e.view = g.view and e.group_code = g.group_code and e.period = g.period and e.scope = g.scope;
