-- Earlier rows of {t} to place again: of units whose history changed (stage_codes) or sharing a
-- unit-month with this run's new rows (stage_pairs). {t}, {sheet}, {month} and {person} are filled
-- per fact table (pdv/warehouse/stages/place.py).
select '{t}' as tbl, f.file_id, {sheet} as sheet, f.source_row, f.unit_code, {month} as period_month,
       {person} as person_key, f.unit_key as old_key
from {t} as f
where f.file_id not in (select file_id from source_file where run_id = :run)
  and (f.unit_code in (select unit_code from stage_codes)
       or exists (select 1 from stage_pairs as p where p.unit_code = f.unit_code and p.period_month = {month}))
