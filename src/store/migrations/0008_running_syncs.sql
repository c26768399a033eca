-- A sync no longer holds the file while it runs (it writes in short windows, and
-- readers get in between), so a run record says who runs it and when it last
-- wrote: `tally status` tells a sync that is running from one whose process died.
ALTER TABLE sync_runs ADD COLUMN pid BIGINT;            -- the syncing process
ALTER TABLE sync_runs ADD COLUMN last_write_at TIMESTAMP; -- UTC, its last write window
