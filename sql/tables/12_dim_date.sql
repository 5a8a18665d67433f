create table if not exists dim_date (
    date_key integer primary key,
    date_value date not null unique,
    year integer not null,
    half integer not null,
    quarter integer not null,
    month integer not null,
    month_start date not null
);
comment on table dim_date is 'Calendar days (filled for every year the warehouse holds data for).';
comment on column dim_date.date_key is 'yyyymmdd.';
comment on column dim_date.half is '1 = January-June, 2 = July-December.';
comment on column dim_date.month_start is 'First day of the month: the grain of monthly reports.';
