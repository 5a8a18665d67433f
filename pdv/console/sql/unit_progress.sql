-- Every unit's progress for one year, today's units.
select
    unit_code, unit_name, stt, target_total, target_youth, target_union,
    admitted_total, admitted_youth, achievement_pct, youth_share_pct,
    reports_expected, reports_received, reports_on_time, open_errors
from v_unit_progress
where view = 'as_is' and period_type = 'year' and scope = 'period' and year = :year
order by stt nulls last, unit_code
