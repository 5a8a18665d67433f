-- The unit's admissions in force, without names (names stay in restricted_person).
select a.file_id, a.source_row, a.period_month, a.age_at_admission, a.gender, a.source, a.admitted_on,
    s.path
from fact_admission as a
join source_file as s on s.file_id = a.file_id
where a.unit_code = :unit and a.is_current
order by a.period_month, s.path, a.source_row
