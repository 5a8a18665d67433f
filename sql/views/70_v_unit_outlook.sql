-- BI: the early warning at every month end, on today's units (a successor carries its predecessors'
-- history). The projection is computed in Python (pdv/outlook.py) into mart_unit_outlook at each load.
create or replace view v_unit_outlook as
with codes as (
    select distinct unit_code, current_unit_code from dim_unit
),
stt as (
    select c.current_unit_code as unit_code, min(t.annex_stt) as stt
    from codes as c join fact_target as t on t.unit_code = c.unit_code and t.is_current
    group by c.current_unit_code
),
latest as (
    select unit_code, unit_name, unit_type, parent_name,
        row_number() over (partition by unit_code order by valid_from desc nulls last) as rn
    from dim_unit
)
select
    o.year, o.month, s.stt, o.unit_code, l.unit_name, l.unit_type, l.parent_name,
    o.target_total, o.target_youth, o.target_union,
    o.admitted_total, o.admitted_youth, o.admitted_union,
    o.months_reported, o.months_missing, o.months_silent,
    o.trained_waiting, o.lag_months, o.sympathizers_end,
    o.projected_total, o.projected_low, o.projected_high, o.projected_youth, o.projected_union,
    o.naive_total, o.needed_per_month, o.youth_gap,
    o.status, o.status_vi, o.reason_vi
from mart_unit_outlook as o
left join stt as s on s.unit_code = o.unit_code
left join latest as l on l.unit_code = o.unit_code and l.rn = 1;
