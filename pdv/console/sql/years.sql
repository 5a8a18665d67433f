-- Years with figures, newest first.
select distinct year from v_bloc_progress order by year desc
