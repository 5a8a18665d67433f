-- BI: the figures the Board issued, per period and version (v_unit_progress shows those in force).
create or replace view v_issued_progress as
with versions as (
    select a.period, a.version, a.view, a.approved_at, a.approved_by, a.reopened_at,
        max(a.version) over (partition by a.period) as latest
    from period_approval as a
)
select
    v.period, v.version, v.view, v.approved_at, v.approved_by,
    case when v.reopened_at is null then 'issued'
         when v.version = v.latest then 'reopened'
         else 'superseded' end as status,
    f.stt, f.unit_code, f.unit_type, f.unit_name, f.parent_name,
    f.target_total, f.target_youth, f.target_union,
    f.admitted_total, f.admitted_youth, f.admitted_union,
    f.ytd_admitted_total, f.ytd_admitted_youth, f.ytd_admitted_union,
    f.achievement_pct, f.youth_share_pct, f.recognized_full, f.trained, f.sympathizers_end,
    f.reports_expected, f.reports_received, f.reports_on_time, f.behind_schedule
from versions as v
join fact_issued_progress as f on f.period = v.period and f.version = v.version
where not f.is_total;
