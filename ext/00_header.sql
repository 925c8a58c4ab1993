-- omnichannel install script, assembled by the Makefile from ext/[0-9]*.sql.
-- Objects live in schema omnichannel (created by CREATE EXTENSION from the
-- control file).  Every name is schema-qualified so that the script is safe
-- under any search_path of the installing role.

\echo Use "CREATE EXTENSION omnichannel" to load this file. \quit
