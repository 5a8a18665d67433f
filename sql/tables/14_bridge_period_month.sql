create table if not exists bridge_period_month (
    period varchar not null,
    scope varchar not null,
    month_start date not null,
    month_label varchar not null,
    primary key (period, scope, month_start)
);
comment on table bridge_period_month is 'Months that make up each period: scope period (the period alone) or ytd (January to the period end).';
comment on column bridge_period_month.month_label is 'The month as yyyy-mm (as issue records name periods).';
