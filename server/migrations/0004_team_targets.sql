-- Team targets: how many submissions a team is meant to collect, set with
-- `tianye token create --target N` or `tianye token target`. One row per team (a team
-- may have several tokens); a team without a row has no target. The overview shows each
-- team's count against it.
CREATE TABLE team_targets (
    team       TEXT PRIMARY KEY,
    target     INTEGER NOT NULL CHECK (target BETWEEN 1 AND 1000000),
    updated_at TEXT NOT NULL
);

-- The overview counts each team's submissions per day: by team, then time received.
CREATE INDEX submissions_by_team_received ON submissions (team, received_at);
