-- BI: the bloc as a whole, against the plan's yearly target and minimum youth share (both views agree).
create or replace view v_bloc_progress as
with bloc as (
    select
        view, year, period, period_type, scope,
        cast(sum(target_total) as integer) as target_allocated,
        cast(sum(target_youth) as integer) as target_youth,
        cast(sum(target_union) as integer) as target_union,
        cast(sum(admitted_total) as integer) as admitted_total,
        cast(sum(admitted_youth) as integer) as admitted_youth,
        cast(sum(admitted_union) as integer) as admitted_union,
        cast(sum(recognized_full) as integer) as recognized_full,
        cast(sum(trained) as integer) as trained,
        cast(sum(sympathizers_end) as integer) as sympathizers_end,
        cast(sum(reports_expected) as integer) as reports_expected,
        cast(sum(reports_received) as integer) as reports_received,
        cast(sum(reports_on_time) as integer) as reports_on_time,
        cast(sum(open_errors) as integer) as open_errors
    from v_unit_progress
    group by view, year, period, period_type, scope
)
select
    b.view, b.year, b.period, b.period_type, b.scope,
    p.plan_no, p.yearly_target as target_plan, b.target_allocated, b.target_youth, b.target_union,
    b.admitted_total, b.admitted_youth, b.admitted_union,
    cast(round(100.0 * b.admitted_total / nullif(p.yearly_target, 0), 1) as double precision) as achievement_pct,
    cast(round(100.0 * b.admitted_youth / nullif(b.admitted_total, 0), 1) as double precision) as youth_share_pct,
    p.min_youth_share_pct,
    100.0 * b.admitted_youth >= p.min_youth_share_pct * b.admitted_total and b.admitted_total > 0
        as meets_youth_minimum,
    b.recognized_full, b.trained, b.sympathizers_end,
    b.reports_expected, b.reports_received, b.reports_on_time, b.open_errors
from bloc as b
left join dim_plan as p on b.year between p.year_from and p.year_to;
