/*-------------------------------------------------------------------------
 *
 * omnichannel.h
 *	  What the glue files share: configuration variables and the few
 *	  cross-file helpers.  Pure core headers live in src/core/.
 *
 *-------------------------------------------------------------------------
 */
#ifndef OMNICHANNEL_PG_H
#define OMNICHANNEL_PG_H

/* GUC variables, defined in omnichannel.c */
extern bool oc_allow_drop_with_history;

/* Advisory-lock class used for omnichannel's transaction-level locks. */
#define OC_LOCK_CLASS_CONTACT	0x4f430001	/* first sight of a contact point */
#define OC_LOCK_CLASS_EXTERNAL	0x4f430002	/* (channel, external_id) delivery */

#endif							/* OMNICHANNEL_PG_H */
