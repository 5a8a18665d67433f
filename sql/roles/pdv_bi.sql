-- PostgreSQL: the read-only BI role. It may read the BI views and nothing else: not the restricted
-- personal-data table, not the load tables, and it may not write. Views run with their owner's rights,
-- so reading a view needs no right on the tables below it.
do $$ begin if not exists (select 1 from pg_roles where rolname = 'pdv_bi') then create role pdv_bi nologin; end if; end $$;
revoke all on all tables in schema public from pdv_bi;
revoke create on schema public from pdv_bi;
grant usage on schema public to pdv_bi;
grant select on v_unit_targets, v_unit_month, v_unit_progress, v_bloc_progress, v_committee_progress,
    v_admission_breakdown, v_report_completeness, v_dq_issues, v_issued_progress, v_unit_outlook to pdv_bi;
