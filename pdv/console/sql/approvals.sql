-- Every issued version of every Board period (issue 16), latest version first.
select period, version, approved_by, approved_at, reopened_by, reopened_at, reopen_reason
from period_approval
order by period, version desc
