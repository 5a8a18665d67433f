-- BI: every unit's progress for each quarter, half and year, for the period alone and year to date.
create or replace view v_unit_progress as
with cutoff as (
    select max(period_month) as last_month from fact_unit_month where is_current
),
units as (
    select unit_code, unit_name, unit_type from dim_unit where is_current
),
reports as (
    select
        u.unit_code, f.period_month, f.admitted_total, f.admitted_youth, f.admitted_union,
        f.recognized_full, f.trained, f.sympathizers, f.is_on_time
    from fact_unit_month as f
    join dim_unit as u on u.unit_key = f.unit_key
    where f.is_current
),
expected as (
    select p.year, p.period, p.period_type, b.scope, b.month_start, u.unit_code, u.unit_name, u.unit_type
    from dim_period as p
    join bridge_period_month as b on b.period = p.period
    cross join units as u
    cross join cutoff as c
    where b.month_start <= c.last_month
),
monthly as (
    select
        e.*, r.admitted_total, r.admitted_youth, r.admitted_union, r.recognized_full, r.trained,
        r.sympathizers, r.is_on_time, r.unit_code is not null as received,
        row_number() over (
            partition by e.period, e.scope, e.unit_code
            order by case when r.unit_code is null then 1 else 0 end, e.month_start desc
        ) as recency
    from expected as e
    left join reports as r on r.unit_code = e.unit_code and r.period_month = e.month_start
),
progress as (
    select
        year, period, period_type, scope, unit_code, unit_name, unit_type,
        cast(coalesce(sum(admitted_total), 0) as integer) as admitted_total,
        cast(coalesce(sum(admitted_youth), 0) as integer) as admitted_youth,
        cast(coalesce(sum(admitted_union), 0) as integer) as admitted_union,
        cast(coalesce(sum(recognized_full), 0) as integer) as recognized_full,
        cast(coalesce(sum(trained), 0) as integer) as trained,
        cast(max(case when recency = 1 and received then sympathizers end) as integer) as sympathizers_end,
        cast(count(*) as integer) as reports_expected,
        cast(sum(case when received then 1 else 0 end) as integer) as reports_received,
        cast(sum(case when is_on_time then 1 else 0 end) as integer) as reports_on_time
    from monthly
    group by year, period, period_type, scope, unit_code, unit_name, unit_type
),
targets as (
    select
        u.unit_code, t.year, min(t.annex_stt) as stt,
        max(case when t.source = 'total' then t.target end) as target_total,
        max(case when t.source = 'youth' then t.target end) as target_youth,
        max(case when t.source = 'union' then t.target end) as target_union
    from fact_target as t
    join dim_unit as u on u.unit_key = t.unit_key
    where t.is_current
    group by u.unit_code, t.year
),
errors as (
    select d.unit, b.period, b.scope, cast(count(*) as integer) as open_errors
    from dq_issue as d
    join bridge_period_month as b on b.month_label = d.period
    where d.status = 'open' and d.severity = 'error'
    group by d.unit, b.period, b.scope
)
select
    p.year, p.period, p.period_type, p.scope, t.stt, p.unit_code, p.unit_name, p.unit_type,
    coalesce(t.target_total, 0) as target_total,
    coalesce(t.target_youth, 0) as target_youth,
    coalesce(t.target_union, 0) as target_union,
    p.admitted_total, p.admitted_youth, p.admitted_union,
    cast(round(100.0 * p.admitted_total / nullif(t.target_total, 0), 1) as double precision) as achievement_pct,
    cast(round(100.0 * p.admitted_youth / nullif(p.admitted_total, 0), 1) as double precision) as youth_share_pct,
    p.recognized_full, p.trained, p.sympathizers_end,
    p.reports_expected, p.reports_received, p.reports_on_time,
    coalesce(e.open_errors, 0) as open_errors
from progress as p
left join targets as t on t.unit_code = p.unit_code and t.year = p.year
left join errors as e on e.unit = p.unit_code and e.period = p.period and e.scope = p.scope;
