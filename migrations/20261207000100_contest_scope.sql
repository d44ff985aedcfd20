-- Where a contest is: the provinces whose communes its participants live in, and whether their
-- unit (đơn vị dự thi) is picked from the contest's list or is the commune itself.
-- scope_provinces: NULL = not set yet (a contest cannot be published without it),
-- '{}' = the whole country, else 2025 province codes (data/vn-admin-units-2025.csv).
ALTER TABLE contests
    ADD COLUMN scope_provinces TEXT[],
    ADD COLUMN unit_mode TEXT NOT NULL DEFAULT 'list' CHECK (unit_mode IN ('list', 'commune'));

-- Contests that named their province keep it; the others are set from their communes at start-up
-- (store::scope::backfill knows the 2025 communes) or listed for their organiser to fix.
UPDATE contests SET scope_provinces = ARRAY[province_code] WHERE province_code IS NOT NULL;
