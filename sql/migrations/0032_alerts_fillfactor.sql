-- 0032_alerts_fillfactor.sql - a full cycle refreshes last_seen_at of
-- every live alert its rules still find (about 52,000 event and 94,000
-- TTS alerts at 10^5 enterprises, docs/analyst.md "Cost, measured").
-- last_seen_at is in no index, but with full pages almost none of those
-- updates could be HOT (7,866 of 1,345,347 on the benchmark's database):
-- each wrote a new row version elsewhere and an entry into each of the
-- five indexes. Pages filled to half leave room for the new version on
-- the same page, so the refresh touches the heap only. Rows move to
-- such pages as they are next updated or inserted.
ALTER TABLE alerts SET (fillfactor = 50);
