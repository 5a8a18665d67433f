-- The monthly series of an issued extract (its report's chart), per period and version.
create table if not exists fact_issued_month (
    period varchar not null,
    version integer not null,
    month varchar not null,
    admitted_total integer not null,
    cumulative integer not null,
    target_cumulative double precision not null,
    primary key (period, version, month)
);
comment on table fact_issued_month is 'Issued extract monthly series per period and version.';
