/*
 * limits.h - every cap in cxm, in one place.
 *
 * Each growable buffer checks one of these; reaching it is a clear error
 * (CXM_ELIMIT with a message naming the limit), never a silent truncation.
 */
#ifndef CXM_LIMITS_H
#define CXM_LIMITS_H

#define CXM_MAX_FIELD_BYTES   (16u << 20)  /* one CSV/NDJSON field */
#define CXM_MAX_RECORD_BYTES  (64u << 20)  /* one CSV record / NDJSON line */
#define CXM_MAX_COLUMNS       4096u        /* columns in one input file */
#define CXM_MAX_JSON_DEPTH    64u          /* nesting in one NDJSON value */
#define CXM_MAX_GROUP_KEYS    8u           /* --by terms */
#define CXM_MAX_GROUPS        (1u << 24)   /* distinct groups in one report */
#define CXM_MAX_DICT_VALUES   (1u << 26)   /* distinct values of one dimension */
#define CXM_MAX_RECORDS       (1ull << 31) /* records of one stream in one run */
#define CXM_MAX_WHERE         32u          /* --where terms */
#define CXM_MAX_CALENDARS     256u         /* calendars in one calendar file */
#define CXM_MAX_SHIFTS_PER_DAY 16u         /* intervals in one weekday */
#define CXM_MAX_HOLIDAYS      65536u       /* holiday dates in one calendar */
#define CXM_MAX_SLA_RULES     4096u        /* rules in one SLA file */
#define CXM_MAX_BAD_ROW_MESSAGES 20u       /* bad-row messages kept verbatim;
                                              the rest are counted */
#define CXM_MAX_TZ_TRANSITIONS 4096u       /* transitions in one TZif file */
#define CXM_MAX_SAMPLE_ROWS   1000000000ull /* cxm sample --tickets N */

#define CXM_MAX_CALENDAR_MATCHES 1024u     /* match lines in one calendar */
#define CXM_MAX_CALENDAR_FILE_BYTES (64u << 20) /* one calendar file */
#define CXM_MAX_CALENDAR_CACHED_DAYS 16384u /* per-day prefix entries one
                                              calendar keeps (a multiple of
                                              its 1024-day chunk) */

#define CXM_MAX_SURVEY_SCORE  100          /* highest score of a survey scale
                                              (0..100); one histogram box each */
#define CXM_MAX_SURVEY_ANSWERS (1ull << 53) /* answers in one survey state
                                              (exact in a double) */

#define CXM_MAX_THEMES        4096u        /* themes in one theme file */
#define CXM_MAX_THEME_PHRASES 65536u       /* words/phrases in one theme file */
#define CXM_MAX_THEME_PHRASE_BYTES 256u    /* one theme phrase, normalised and joined */
#define CXM_MAX_THEME_FILE_BYTES (16u << 20) /* one theme file */
#define CXM_MAX_KEYPHRASE_WORDS 4u         /* words in one RAKE candidate */
#define CXM_MAX_TEXT_WORD_BYTES 128u       /* a longer token is no RAKE word */
#define CXM_MAX_TEXT_WORDS    (1u << 24)   /* distinct words in one corpus */
#define CXM_MAX_TEXT_PHRASES  (1u << 24)   /* distinct candidate phrases in one corpus */
#define CXM_MAX_SURVEY_QUESTIONS 64u       /* questions named in one wide survey export
                                              (cxm convert --question) */

#define CXM_MAX_ALERT_RULES   256u         /* rules in one alert rules file */
#define CXM_MAX_ALERT_STATES  100000u      /* (rule, group) states the alert watcher keeps */
#define CXM_MAX_ALERT_FILE_BYTES (1u << 20) /* one alert rules file */

#define CXM_MAX_DIMS_SCAN_COLUMNS 64u      /* dimension columns GET /v1/dimensions counts in
                                              one pass; the rest by a GROUP BY each */
#define CXM_MAX_DIMS_SCAN_VALUES 65536u    /* distinct values (tags: lists) one column may have
                                              in that pass; past it, listed by its GROUP BY */

#endif
