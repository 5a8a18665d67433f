-- The unit's yearly targets.
select year, stt, unit_name, target_total, target_youth, target_union
from v_unit_targets
where unit_code = :unit
order by year
