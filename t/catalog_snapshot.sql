-- t/catalog_snapshot.sql: one line per catalog fact of the omnichannel
-- extension, sorted, so that two installs (a fresh one and an updated one)
-- compare with a plain diff.  Used by t/040_upgrade.pl.
WITH ext AS (SELECT oid FROM pg_extension WHERE extname = 'omnichannel'),
members AS (
    SELECT d.classid, d.objid FROM pg_depend d, ext
     WHERE d.refclassid = 'pg_extension'::regclass AND d.refobjid = ext.oid AND d.deptype = 'e'),
rels AS (SELECT c.* FROM pg_class c JOIN members m ON m.classid = 'pg_class'::regclass AND m.objid = c.oid),
procs AS (SELECT p.* FROM pg_proc p JOIN members m ON m.classid = 'pg_proc'::regclass AND m.objid = p.oid)
SELECT line FROM (
    SELECT 'member ' || pg_describe_object(m.classid, m.objid, 0) AS line FROM members m
    UNION ALL
    SELECT format('extension version=%s relocatable=%s config=%s conditions=%s', e.extversion, e.extrelocatable,
                  (SELECT string_agg(c::regclass::text, ',' ORDER BY c::regclass::text) FROM unnest(e.extconfig) c),
                  (SELECT string_agg(x, ',' ORDER BY x) FROM unnest(e.extcondition) x))
      FROM pg_extension e WHERE e.extname = 'omnichannel'
    UNION ALL
    SELECT format('schema %s owner-super=%s acl=%s', n.nspname,
                  (SELECT rolsuper FROM pg_roles WHERE oid = n.nspowner), n.nspacl)
      FROM pg_namespace n WHERE n.nspname = 'omnichannel'
    UNION ALL
    SELECT format('relation %s kind=%s persistence=%s options=%s acl=%s comment=%s', c.oid::regclass, c.relkind,
                  c.relpersistence, c.reloptions, c.relacl, obj_description(c.oid, 'pg_class'))
      FROM rels c
    UNION ALL
    SELECT format('column %s.%s #%s %s notnull=%s default=%s identity=%s generated=%s collation=%s acl=%s comment=%s',
                  c.oid::regclass, a.attname, a.attnum, format_type(a.atttypid, a.atttypmod), a.attnotnull,
                  pg_get_expr(ad.adbin, ad.adrelid), a.attidentity, a.attgenerated, a.attcollation::regcollation,
                  a.attacl, col_description(c.oid, a.attnum))
      FROM rels c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
      LEFT JOIN pg_attrdef ad ON ad.adrelid = c.oid AND ad.adnum = a.attnum
     WHERE c.relkind IN ('r', 'v', 'p', 'm', 'f', 'c')
    UNION ALL
    SELECT format('constraint %s %s %s deferrable=%s deferred=%s comment=%s', c.conrelid::regclass, c.conname,
                  pg_get_constraintdef(c.oid), c.condeferrable, c.condeferred, obj_description(c.oid, 'pg_constraint'))
      FROM pg_constraint c JOIN rels r ON r.oid = c.conrelid
    UNION ALL
    SELECT format('statistics %s comment=%s', pg_get_statisticsobjdef(x.oid), obj_description(x.oid, 'pg_statistic_ext'))
      FROM pg_statistic_ext x JOIN members m ON m.classid = 'pg_statistic_ext'::regclass AND m.objid = x.oid
    UNION ALL
    SELECT format('index %s comment=%s', pg_get_indexdef(i.indexrelid), obj_description(i.indexrelid, 'pg_class'))
      FROM pg_index i JOIN rels r ON r.oid = i.indrelid
    UNION ALL
    SELECT format('trigger %s enabled=%s comment=%s', pg_get_triggerdef(t.oid), t.tgenabled,
                  obj_description(t.oid, 'pg_trigger'))
      FROM pg_trigger t JOIN rels r ON r.oid = t.tgrelid WHERE NOT t.tgisinternal
    UNION ALL
    SELECT format('view %s %s', c.oid::regclass, pg_get_viewdef(c.oid)) FROM rels c WHERE c.relkind IN ('v', 'm')
    UNION ALL
    SELECT format('sequence %s %s start=%s inc=%s min=%s max=%s cache=%s cycle=%s owned=%s', s.seqrelid::regclass,
                  format_type(s.seqtypid, NULL), s.seqstart, s.seqincrement, s.seqmin, s.seqmax, s.seqcache, s.seqcycle,
                  (SELECT d.refobjid::regclass || '.' || d.refobjsubid FROM pg_depend d
                    WHERE d.classid = 'pg_class'::regclass AND d.objid = s.seqrelid
                      AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')))
      FROM pg_sequence s JOIN rels r ON r.oid = s.seqrelid
    UNION ALL
    SELECT format('policy %s on %s %s', p.polname, p.polrelid::regclass, pg_get_expr(p.polqual, p.polrelid))
      FROM pg_policy p JOIN rels r ON r.oid = p.polrelid
    UNION ALL
    SELECT format('function %s secdef=%s config=%s acl=%s comment=%s def=%s', p.oid::regprocedure, p.prosecdef,
                  p.proconfig, p.proacl, obj_description(p.oid, 'pg_proc'),
                  CASE WHEN p.prokind = 'a' THEN 'aggregate' ELSE pg_get_functiondef(p.oid) END)
      FROM procs p
    UNION ALL
    SELECT format('type %s kind=%s labels=%s domain-base=%s default=%s notnull=%s acl=%s comment=%s', t.oid::regtype,
                  t.typtype,
                  (SELECT string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = t.oid),
                  CASE WHEN t.typtype = 'd' THEN format_type(t.typbasetype, t.typtypmod) END, t.typdefault,
                  t.typnotnull, t.typacl, obj_description(t.oid, 'pg_type'))
      FROM pg_type t JOIN members m ON m.classid = 'pg_type'::regclass AND m.objid = t.oid
    UNION ALL
    SELECT format('domain-constraint %s %s %s', c.contypid::regtype, c.conname, pg_get_constraintdef(c.oid))
      FROM pg_constraint c JOIN members m ON m.classid = 'pg_type'::regclass AND m.objid = c.contypid
    UNION ALL
    SELECT format('operator %s code=%s commutator=%s negator=%s restrict=%s join=%s comment=%s', o.oid::regoperator,
                  o.oprcode, o.oprcom::regoperator, o.oprnegate::regoperator, o.oprrest, o.oprjoin,
                  obj_description(o.oid, 'pg_operator'))
      FROM pg_operator o JOIN members m ON m.classid = 'pg_operator'::regclass AND m.objid = o.oid
    UNION ALL
    SELECT format('cast %s -> %s func=%s context=%s method=%s', c.castsource::regtype, c.casttarget::regtype,
                  c.castfunc::regprocedure, c.castcontext, c.castmethod)
      FROM pg_cast c JOIN members m ON m.classid = 'pg_cast'::regclass AND m.objid = c.oid
    UNION ALL
    SELECT format('event-trigger %s %s %s %s %s', e.evtname, e.evtevent, e.evtfoid::regproc, e.evtenabled, e.evttags)
      FROM pg_event_trigger e JOIN members m ON m.classid = 'pg_event_trigger'::regclass AND m.objid = e.oid
) s
ORDER BY line;
