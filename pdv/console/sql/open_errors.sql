-- Open errors per unit and period (month or year), for the completeness grid.
select unit, period, count(*) as errors
from v_dq_issues
where status = 'open' and severity = 'error' and unit is not null and period is not null
group by unit, period
