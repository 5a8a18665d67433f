-- Reports waiting for a locked month, beside the figures in force for the same unit-month.
with pending as (
    select p.file_id, p.unit_key, p.unit_code, p.period_month, p.run_id, s.path
    from pending_submission as p
    join source_file as s on s.file_id = p.file_id and s.is_current
    where p.status = 'pending' and p.kind = 'new'
),
locks as (
    select month_start, min(period) as locked_by from locked_month group by month_start
),
submitted as (
    select f.file_id, f.unit_key, f.period_month, f.admitted_total, f.admitted_youth, f.admitted_union,
        f.recognized_full, f.trained, f.sympathizers as sympathizers_end
    from fact_unit_month as f
    join pending as p on p.file_id = f.file_id and p.unit_key = f.unit_key and p.period_month = f.period_month
),
in_force as (
    select f.unit_key, f.period_month, f.admitted_total, f.admitted_youth, f.admitted_union,
        f.recognized_full, f.trained, f.sympathizers as sympathizers_end
    from fact_unit_month as f
    where f.is_current
)
select
    p.unit_code, p.period_month, p.path, l.locked_by, p.run_id as received_run,
    c.admitted_total as in_force_admitted_total, n.admitted_total as pending_admitted_total,
    c.admitted_youth as in_force_admitted_youth, n.admitted_youth as pending_admitted_youth,
    c.admitted_union as in_force_admitted_union, n.admitted_union as pending_admitted_union,
    c.recognized_full as in_force_recognized_full, n.recognized_full as pending_recognized_full,
    c.trained as in_force_trained, n.trained as pending_trained,
    c.sympathizers_end as in_force_sympathizers_end, n.sympathizers_end as pending_sympathizers_end
from pending as p
left join locks as l on l.month_start = p.period_month
left join submitted as n on n.file_id = p.file_id and n.unit_key = p.unit_key and n.period_month = p.period_month
left join in_force as c on c.unit_key = p.unit_key and c.period_month = p.period_month
order by p.unit_code, p.period_month, p.path;
