create table if not exists dim_plan (
    plan_key integer primary key,
    plan_no varchar not null unique,
    plan_date date,
    year_from integer,
    year_to integer,
    yearly_target integer,
    min_youth_share_pct double precision,
    file_id bigint not null
);
comment on table dim_plan is 'Plans for admitting new members (one row per plan number; attributes from its latest version).';
comment on column dim_plan.plan_no is 'Plan number as issued, e.g. 104-KH/ĐUK.';
comment on column dim_plan.yearly_target is 'New members the bloc as a whole must admit each year.';
comment on column dim_plan.min_youth_share_pct is 'Minimum share, in percent, of new members who are youth-union members.';
