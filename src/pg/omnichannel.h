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
extern char *oc_default_region;	/* omnichannel.default_region, "" = none */

#endif							/* OMNICHANNEL_PG_H */
