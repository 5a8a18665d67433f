-- BI: new members by gender, ethnic minority, religion and age band (no personal data), on today's units.
create or replace view v_admission_breakdown as
with names as (
    select unit_code, unit_name from (
        select unit_code, unit_name,
               row_number() over (partition by unit_code order by valid_from desc nulls last) as newest
        from dim_unit
    ) as v where newest = 1
),
admissions as (
    select u.current_unit_code as unit_code, n.unit_name, a.period_month, a.gender, a.is_ethnic_minority,
           a.has_religion, a.age_at_admission
    from fact_admission as a
    join dim_unit as u on u.unit_key = a.unit_key
    join names as n on n.unit_code = u.current_unit_code
    where a.is_current
),
categories as (
    select unit_code, unit_name, period_month, 'gender' as dimension, gender as category from admissions
    union all
    select unit_code, unit_name, period_month, 'ethnic_minority',
           case when is_ethnic_minority then 'Dân tộc thiểu số' else 'Kinh' end
    from admissions
    union all
    select unit_code, unit_name, period_month, 'religion',
           case when has_religion then 'Có tôn giáo' else 'Không tôn giáo' end
    from admissions
    union all
    select unit_code, unit_name, period_month, 'age_band',
           case when age_at_admission <= 30 then '18-30' when age_at_admission <= 45 then '31-45' else 'Trên 45' end
    from admissions
)
select
    p.year, p.period, p.period_type, b.scope, c.unit_code, c.unit_name, c.dimension, c.category,
    cast(count(*) as integer) as admitted
from categories as c
join bridge_period_month as b on b.month_start = c.period_month
join dim_period as p on p.period = b.period
group by p.year, p.period, p.period_type, b.scope, c.unit_code, c.unit_name, c.dimension, c.category;
