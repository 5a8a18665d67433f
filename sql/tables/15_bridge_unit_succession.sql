create table if not exists bridge_unit_succession (
    change_id varchar not null,
    effective_date date not null,
    kind varchar not null,
    predecessor_code varchar not null,
    successor_code varchar not null,
    is_principal boolean not null,
    primary key (change_id, predecessor_code, successor_code)
);
comment on table bridge_unit_succession is 'Which unit took over from which (merges and splits of data/raw/reference/unit_changes.csv).';
comment on column bridge_unit_succession.kind is 'merge or split.';
comment on column bridge_unit_succession.is_principal is 'The successor that takes the predecessor''s history and remaining targets (the first one listed).';
