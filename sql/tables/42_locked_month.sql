-- Months whose figures in force are frozen because an approved period covers them.
create table if not exists locked_month (
    period varchar not null,
    month_start date not null,
    version integer not null,
    primary key (period, month_start)
);
comment on table locked_month is 'Months locked by an approved period; a report for them waits in pending_submission.';
