create table if not exists fact_target_held (
    unit_code varchar not null,
    year integer not null,
    target_total integer not null,
    target_youth integer not null,
    target_union integer not null,
    valid_from date not null,
    valid_to date not null,
    basis varchar not null,
    change_id varchar,
    primary key (unit_code, year, valid_from)
);
comment on table fact_target_held is 'Yearly targets by the unit that holds them, from which day to which: the annex as stated, then passed on by merges and splits.';
comment on column fact_target_held.basis is 'annex (as the plan states it), inherited (own plus predecessors'' targets) or explicit (given in the change list).';
comment on column fact_target_held.change_id is 'The change that gave this target (null for annex targets).';
