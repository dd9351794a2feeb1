SELECT * FROM information_schema.statistics WHERE table_name = 't';
SELECT table_name FROM information_schema.tables ORDER BY table_id;
