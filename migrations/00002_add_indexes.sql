-- The guide's add_indexes.sql. CREATE INDEX CONCURRENTLY builds without blocking writes, and
-- cannot run inside a transaction: goose runs this file statement by statement. A build that
-- fails leaves an invalid index, which the migration Job reports; drop it and deploy again.
-- +goose NO TRANSACTION
-- +goose Up
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_content_user_id ON content (user_id);
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_content_created_at ON content (created_at);
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_content_status ON content (status);
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_seo_analysis_content_id ON seo_analysis (content_id);
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_seo_analysis_created_at ON seo_analysis (created_at);

-- +goose Down
DROP INDEX CONCURRENTLY IF EXISTS idx_seo_analysis_created_at;
DROP INDEX CONCURRENTLY IF EXISTS idx_seo_analysis_content_id;
DROP INDEX CONCURRENTLY IF EXISTS idx_content_status;
DROP INDEX CONCURRENTLY IF EXISTS idx_content_created_at;
DROP INDEX CONCURRENTLY IF EXISTS idx_content_user_id;
