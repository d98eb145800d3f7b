-- Where each login came from (C8, docs/decisions/0025-geolocation.md): located with the operator's GeoIP database
-- (WARD_GEOIP_DB) when the attempt is recorded, so the history keeps where an address was then, whatever later
-- editions of the database say. All null when locations are off or the address is not located.
ALTER TABLE login_attempts ADD COLUMN country VARCHAR(2);
ALTER TABLE login_attempts ADD COLUMN city VARCHAR(200);
ALTER TABLE login_attempts ADD COLUMN latitude DOUBLE PRECISION;
ALTER TABLE login_attempts ADD COLUMN longitude DOUBLE PRECISION;
