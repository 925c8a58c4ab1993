-- ---------------------------------------------------------------------------
-- Data safety: DROP EXTENSION omnichannel (or DROP SCHEMA omnichannel
-- CASCADE, or DROP OWNED BY the role owning its tables) would destroy the
-- customer history with it.  This event trigger
-- refuses such a drop while customers or interactions exist, unless the DBA
-- says so explicitly:  SET omnichannel.allow_drop_with_history = on.
-- See docs/install.md "Removing the extension".
-- ---------------------------------------------------------------------------

CREATE FUNCTION omnichannel.guard_drop()
RETURNS event_trigger
AS 'MODULE_PATHNAME', 'oc_guard_drop'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION omnichannel.guard_drop() IS
    'Event trigger: refuses to drop the extension or its schema while customer history exists';

CREATE EVENT TRIGGER omnichannel_guard_drop
    ON ddl_command_start
    WHEN TAG IN ('DROP EXTENSION', 'DROP SCHEMA', 'DROP OWNED')
    EXECUTE FUNCTION omnichannel.guard_drop();
COMMENT ON EVENT TRIGGER omnichannel_guard_drop IS
    'Refuses DROP EXTENSION omnichannel, DROP SCHEMA omnichannel and DROP OWNED BY its owner while history exists (omnichannel.allow_drop_with_history overrides)';
