-- ---------------------------------------------------------------------------
-- Update 0.1.0 -> 0.2.0, after the functions: stored values that 0.2.0
-- indexes in their look-up form (omnichannel.lookup_key: values over 1024
-- bytes as a digest) are converted, so that what arrives after the update
-- finds them.  0.1.0 failed rows with values too long to index, so only
-- values of about 1 to 2.7 kB can be here.
-- ---------------------------------------------------------------------------

UPDATE omnichannel.interaction AS i
   SET external_id = omnichannel.lookup_key(i.external_id)
 WHERE i.external_id IS DISTINCT FROM omnichannel.lookup_key(i.external_id);
UPDATE omnichannel.interaction AS i
   SET subject_key = omnichannel.lookup_key(i.subject_key)
 WHERE i.subject_key IS DISTINCT FROM omnichannel.lookup_key(i.subject_key);
UPDATE omnichannel.interaction AS i
   SET business_keys = (SELECT pg_catalog.jsonb_object_agg(omnichannel.lookup_key(k.key),
                                                           omnichannel.lookup_key(k.value))
                          FROM pg_catalog.jsonb_each_text(i.business_keys) AS k)
 WHERE EXISTS (SELECT FROM pg_catalog.jsonb_each_text(i.business_keys) AS k
                WHERE k.key IS DISTINCT FROM omnichannel.lookup_key(k.key)
                   OR k.value IS DISTINCT FROM omnichannel.lookup_key(k.value));
UPDATE omnichannel.thread_key AS k
   SET name = omnichannel.lookup_key(k.name), value = omnichannel.lookup_key(k.value)
 WHERE k.name IS DISTINCT FROM omnichannel.lookup_key(k.name)
    OR k.value IS DISTINCT FROM omnichannel.lookup_key(k.value);
UPDATE omnichannel.thread_subject AS s
   SET subject_key = omnichannel.lookup_key(s.subject_key)
 WHERE s.subject_key IS DISTINCT FROM omnichannel.lookup_key(s.subject_key);
UPDATE omnichannel.pending_reference AS p
   SET external_id = omnichannel.lookup_key(p.external_id)
 WHERE p.external_id IS DISTINCT FROM omnichannel.lookup_key(p.external_id);

-- The append-only triggers of identity_event and erasure_event now use
-- audit_append_only() with their allow-lists: the functions of 0.1.0 go.
DROP FUNCTION omnichannel.identity_event_append_only();
DROP FUNCTION omnichannel.erasure_event_append_only();
