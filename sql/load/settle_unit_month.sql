-- The report in force for each touched unit-month (stage_touched): its latest submission (report
-- date, then arrival order) among current file versions; the others name the file that superseded them.
update fact_unit_month set is_current = false, superseded_by_file_id = null
where exists (select 1 from stage_touched as t where t.unit_key = fact_unit_month.unit_key and t.period_month = fact_unit_month.period_month);

update fact_unit_month set is_current = true
from (
    select unit_key, period_month, file_id from (
        select f.unit_key, f.period_month, f.file_id,
               row_number() over (partition by f.unit_key, f.period_month
                                  order by f.reported_on desc nulls last, f.file_id desc) as rn
        from fact_unit_month as f
        join source_file as s on s.file_id = f.file_id and s.is_current
        where exists (select 1 from stage_touched as t where t.unit_key = f.unit_key and t.period_month = f.period_month)
    ) as ranked where rn = 1
) as w
where fact_unit_month.unit_key = w.unit_key and fact_unit_month.period_month = w.period_month
  and fact_unit_month.file_id = w.file_id;

update fact_unit_month set superseded_by_file_id = w.file_id
from (select unit_key, period_month, file_id from fact_unit_month where is_current) as w
where fact_unit_month.unit_key = w.unit_key and fact_unit_month.period_month = w.period_month
  and fact_unit_month.file_id <> w.file_id and exists (select 1 from stage_touched as t where t.unit_key = fact_unit_month.unit_key and t.period_month = fact_unit_month.period_month);
