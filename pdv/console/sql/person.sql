-- RESTRICTED: one admitted person's name and birth date (stewards only, audited).
select a.unit_code, a.period_month, a.admitted_on, s.path, a.source_row, r.full_name, r.birth_date
from fact_admission as a
join restricted_person as r on r.person_key = a.person_key and r.file_id = a.file_id
join source_file as s on s.file_id = a.file_id
where a.file_id = :file_id and a.source_row = :source_row
