create table if not exists dim_period (
    period varchar primary key,
    period_type varchar not null,
    year integer not null,
    ordinal integer not null,
    first_month date not null,
    last_month date not null,
    label_vi varchar not null
);
comment on table dim_period is 'Board reporting periods: quarters, halves (H1 = Jan-Jun, H2 = Jul-Dec) and years.';
comment on column dim_period.period is 'Period label: 2024-Q1, 2024-H1 or 2024.';
comment on column dim_period.period_type is 'quarter, half or year.';
comment on column dim_period.label_vi is 'Vietnamese label, e.g. Quý I năm 2024.';
