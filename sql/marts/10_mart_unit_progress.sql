-- v_unit_progress materialised for the Board extracts: each load refreshes the periods it changed, so an
-- extract reads one period's rows instead of computing the view (at national scale, millions of unit-months).
create table if not exists mart_unit_progress as select * from v_unit_progress where 1 = 0;
comment on table mart_unit_progress is 'v_unit_progress as of the last load, for the Board extracts; refreshed per changed period inside the load transaction.';
