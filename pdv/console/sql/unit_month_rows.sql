-- The unit's months: due, received, on time and the figures in force.
select month_start, expected, received, is_on_time, admitted_total, admitted_youth, admitted_union,
    recognized_full, trained, sympathizers
from v_unit_month
where unit_code = :unit
order by month_start
