-- An ERP cutover (docs/decisions.md 33): a legal entity read from two ERPs in the same nights, its
-- books moving from one to the other on a date. Each company row says which side of the cutover it
-- is on (`former` or `current`) and the date; NULL for an entity with one ERP. Nights extracted
-- before this migration have NULLs: they had no cutovers.
ALTER TABLE raw.companies ADD COLUMN cutover_role VARCHAR;
ALTER TABLE raw.companies ADD COLUMN cutover_date DATE;
