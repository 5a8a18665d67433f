-- BI: data-quality issues (national ids masked, birth dates by year only; no names).
create or replace view v_dq_issues as
select
    issue_id, severity, rule, file, sheet, row_number, column_name, value, unit, period,
    message_vi, message_en, status, resolved_by_file
from dq_issue;
