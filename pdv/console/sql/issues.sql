-- Issue records (masked by the view) with the filters a page asks for; null filters match all.
select *
from v_dq_issues
where (cast(:unit as varchar) is null or unit = :unit)
    and (cast(:period as varchar) is null or period = :period)
    and (cast(:rule as varchar) is null or rule = :rule)
    and (cast(:severity as varchar) is null or severity = :severity)
    and (cast(:status as varchar) is null or status = :status)
    and (cast(:file as varchar) is null or file = :file)
order by file nulls first, sheet nulls first, row_number nulls first, rule
limit 2000
