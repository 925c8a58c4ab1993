--
-- DROP EXTENSION must not silently destroy the customer history.
-- (Runs last: it drops and re-creates the extension.)
--
SELECT count(*) > 0 AS has_history FROM omnichannel.interaction;

DROP EXTENSION omnichannel;
DROP EXTENSION omnichannel CASCADE;
DROP SCHEMA omnichannel CASCADE;
DROP OWNED BY CURRENT_USER;
-- the refused drops changed nothing
SELECT count(*) > 0 AS still_has_history FROM omnichannel.interaction;
-- other drops are not affected
CREATE SCHEMA scratch;
DROP SCHEMA scratch;

-- only a superuser may override
CREATE ROLE regress_oc_plain LOGIN;
SET ROLE regress_oc_plain;
SET omnichannel.allow_drop_with_history = on;
RESET ROLE;
DROP ROLE regress_oc_plain;

-- the explicit override
BEGIN;
SET LOCAL omnichannel.allow_drop_with_history = on;
DROP EXTENSION omnichannel;
SELECT count(*) AS extensions_left FROM pg_extension WHERE extname = 'omnichannel';
ROLLBACK;
SELECT count(*) > 0 AS rolled_back_history_is_back FROM omnichannel.interaction;

SET omnichannel.allow_drop_with_history = on;
DROP EXTENSION omnichannel;
RESET omnichannel.allow_drop_with_history;

-- an empty installation drops without ceremony
CREATE EXTENSION omnichannel;
DROP EXTENSION omnichannel;
CREATE EXTENSION omnichannel;
