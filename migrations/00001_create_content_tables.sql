-- The tables the guide's indexes are on (backend/database/migrations/add_indexes.sql), with the
-- columns those indexes use: the test schema of the deploy.
-- +goose Up
CREATE TABLE IF NOT EXISTS content (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id    bigint NOT NULL,
    title      text NOT NULL,
    body       text NOT NULL DEFAULT '',
    status     text NOT NULL DEFAULT 'draft',
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS seo_analysis (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    content_id bigint NOT NULL REFERENCES content (id) ON DELETE CASCADE,
    score      integer,
    report     jsonb NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE IF EXISTS seo_analysis;
DROP TABLE IF EXISTS content;
