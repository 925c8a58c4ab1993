/*-------------------------------------------------------------------------
 *
 * business_hours_io.h
 *	  What business_time.c borrows from business_hours_io.c: turning a core
 *	  error into an ereport and checking a stored business_hours value.
 *
 *-------------------------------------------------------------------------
 */
#ifndef OC_PG_BUSINESS_HOURS_IO_H
#define OC_PG_BUSINESS_HOURS_IO_H

#include "core/business_hours.h"

/* Raise the error a core status stands for (never returns). */
extern void oc_bh_report(const oc_bh_error *err) pg_attribute_noreturn();

/* Check a stored value (4-byte header, aligned) and fill a view. */
extern void oc_bh_datum_view(const bytea *bh, oc_bh_view *view);

#endif							/* OC_PG_BUSINESS_HOURS_IO_H */
