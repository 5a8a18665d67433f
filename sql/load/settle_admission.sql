-- A touched unit-month's roster is replaced as a whole by the newest current file that has one.
update fact_admission set is_current = false
where exists (select 1 from stage_touched as t where t.unit_key = fact_admission.unit_key and t.period_month = fact_admission.period_month);

update fact_admission set is_current = true
from (
    select f.unit_key, f.period_month, max(f.file_id) as file_id
    from fact_admission as f
    join source_file as s on s.file_id = f.file_id and s.is_current
    where exists (select 1 from stage_touched as t where t.unit_key = f.unit_key and t.period_month = f.period_month)
    group by f.unit_key, f.period_month
) as w
where fact_admission.unit_key = w.unit_key and fact_admission.period_month = w.period_month
  and fact_admission.file_id = w.file_id;
