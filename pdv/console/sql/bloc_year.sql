-- The bloc against the plan for one year (as of the last month with data).
select * from v_bloc_progress
where view = 'as_is' and period_type = 'year' and scope = 'period' and year = :year
