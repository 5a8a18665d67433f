-- The unit's submissions, current and superseded, with their file.
select f.period_month, f.reported_on, f.is_on_time, f.is_current, f.admitted_total,
    s.path, s.status as file_status, n.path as superseded_by
from fact_unit_month as f
join source_file as s on s.file_id = f.file_id
left join source_file as n on n.file_id = f.superseded_by_file_id
where f.unit_code = :unit
order by f.period_month desc, f.is_current desc, s.path
