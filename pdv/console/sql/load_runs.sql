-- Pipeline runs with their figures, newest first.
select * from load_run order by started_at desc limit 100
