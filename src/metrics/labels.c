/*
 * labels.c - metric and report-word labels in the seeds' languages
 * (table in labels.h, sourced in docs/SEEDS.md).
 */
#include <string.h>

#include "cxm.h"
#include "metrics/labels.h"

int cxm_lang_supported(const char *lang) {
    return lang && (!strcmp(lang, "en") || !strcmp(lang, "zh-Hans") || !strcmp(lang, "zh-Hant") ||
                    !strcmp(lang, "ja") || !strcmp(lang, "ms"));
}

const char *cxm_label(const char *id, const char *lang) {
    for (size_t i = 0; i < CXM_LABELS_COUNT; i++) {
        const cxm_label_entry *l = &cxm_labels[i];
        if (strcmp(l->id, id)) continue;
        const char *s = l->en;
        if (lang) {
            if (!strcmp(lang, "zh-Hans")) s = l->zh_hans;
            else if (!strcmp(lang, "zh-Hant")) s = l->zh_hant;
            else if (!strcmp(lang, "ja")) s = l->ja;
            else if (!strcmp(lang, "ms")) s = l->ms;
        }
        return s && *s ? s : l->en;
    }
    return id;
}
