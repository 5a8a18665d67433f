-- Unit-months of one year up to the data cut-off: due, received, on time.
select unit_code, month_start, expected, received, is_on_time, admitted_total
from v_unit_month
where month_start >= :first and month_start < :after
order by unit_code, month_start
