/*
 * tz.h - IANA time zones from the system's zoneinfo (TZif v1-v4 files,
 * including the POSIX TZ footer that rules instants past the last
 * transition). Never reads or sets the TZ environment variable and never
 * calls localtime/mktime: a zone is an immutable value, safe to share
 * between threads once loaded.
 *
 * Instants here are seconds (int64) since the epoch, UTC; "local" seconds
 * are wall-clock seconds since 1970-01-01T00:00 in the zone (so local day =
 * floor(local / 86400)).
 */
#ifndef CXM_TZ_H
#define CXM_TZ_H
#include <stdint.h>
#include "cxm.h"

typedef struct cxm_tz cxm_tz;

/*
 * Loads zone name ("UTC", "Europe/Berlin", "Asia/Kuala_Lumpur", also fixed
 * offsets "+08:00"/"-0530"/"UTC+8"... for convenience). Looks in $TZDIR if
 * set, else /usr/share/zoneinfo. Rejects names with "..". *out owned: free
 * with cxm_tz_free. On error fills diag (ENOTFOUND: unknown zone; EPARSE:
 * malformed file).
 */
int cxm_tz_load(const char *name, cxm_tz **out, cxm_diag *diag) CXM_WUR;
const char *cxm_tz_name(const cxm_tz *tz); /* borrowed */
/* The built-in UTC zone (static; cxm_tz_free on it is a no-op). */
const cxm_tz *cxm_tz_utc(void);

/* Offset from UTC (seconds east) in force at UTC instant t. */
int32_t cxm_tz_offset(const cxm_tz *tz, int64_t utc);
static inline int64_t cxm_tz_to_local(const cxm_tz *tz, int64_t utc) { return utc + cxm_tz_offset(tz, utc); }
/*
 * UTC instant of a local wall-clock time. A time in a DST gap (does not
 * exist) is moved forward by the gap (02:30 on a spring-forward day becomes
 * 03:30 local); an ambiguous time (fall-back overlap) takes the earlier
 * instant. This is RFC 5545's rule; in ICU terms it is UCAL_SKIPPED_WALL_TIME
 * = UCAL_WALLTIME_LAST (ICU's default) with UCAL_REPEATED_WALL_TIME =
 * UCAL_WALLTIME_FIRST (ICU's default is LAST, the later instant).
 */
int64_t cxm_tz_from_local(const cxm_tz *tz, int64_t local);
void cxm_tz_free(cxm_tz *tz); /* NULL and the UTC zone are fine */

#endif
