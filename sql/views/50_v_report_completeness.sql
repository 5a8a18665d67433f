-- BI: reports expected, received and on time per unit and period (not reporting is not reporting zero).
create or replace view v_report_completeness as
select
    view, year, period, period_type, scope, unit_code, unit_name, unit_type, parent_code, parent_name,
    reports_expected, reports_received, reports_on_time,
    reports_received - reports_on_time as reports_late,
    reports_expected - reports_received as reports_missing,
    cast(round(100.0 * reports_received / nullif(reports_expected, 0), 1) as double precision) as completeness_pct,
    cast(round(100.0 * reports_on_time / nullif(reports_expected, 0), 1) as double precision) as timeliness_pct
from v_unit_progress;
