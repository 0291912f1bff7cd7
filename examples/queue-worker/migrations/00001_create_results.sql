-- The table the workers write their results to.
-- +goose Up
CREATE TABLE IF NOT EXISTS results (
    job_id      text PRIMARY KEY,
    payload     jsonb NOT NULL,
    finished_at timestamptz NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE IF EXISTS results;
