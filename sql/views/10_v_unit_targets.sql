-- BI: current annual targets per unit, laid out like the plan's annex.
create or replace view v_unit_targets as
with current_targets as (
    select * from fact_target where is_current
),
pivoted as (
    select
        unit_key,
        year,
        min(annex_stt) as stt,
        max(case when source = 'total' then target end) as target_total,
        max(case when source = 'youth' then target end) as target_youth,
        max(case when source = 'union' then target end) as target_union
    from current_targets
    group by unit_key, year
)
select
    p.year,
    p.stt,
    u.unit_code,
    u.unit_type,
    u.unit_name,
    p.target_total,
    p.target_youth,
    p.target_union
from pivoted as p
join dim_unit as u on u.unit_key = p.unit_key;
