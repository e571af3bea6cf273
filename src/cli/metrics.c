/*
 * metrics.c - `cxm metrics`: the catalog with definitions.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

int cmd_metrics(int argc, char **argv) {
    int json = 0, md = 0;
    const char *lang = NULL, *one = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            printf("usage: cxm metrics [ID] [--format text|json|md] [--lang LANG]\n"
                   "\n"
                   "Lists every metric: id, kind, unit, inputs, formula, variants, presets and\n"
                   "the seed article that defines it. With ID, only that metric.\n");
            return EXIT_OK;
        } else if (!strcmp(argv[i], "--format") && i + 1 < argc) {
            const char *f = argv[++i];
            if (!strcmp(f, "json")) json = 1;
            else if (!strcmp(f, "md")) md = 1;
            else if (strcmp(f, "text") && strcmp(f, "table")) {
                cli_usage_error("metrics", "--format '%s': expected text, json or md", f);
                return EXIT_USAGE;
            }
        } else if (!strcmp(argv[i], "--lang") && i + 1 < argc) {
            lang = argv[++i];
            if (!cxm_lang_supported(lang)) {
                cli_usage_error("metrics", "--lang '%s': expected en, zh-Hans, zh-Hant, ja or ms", lang);
                return EXIT_USAGE;
            }
        } else if (argv[i][0] != '-' && !one) {
            one = argv[i];
        } else {
            cli_usage_error("metrics", "unknown argument '%s'", argv[i]);
            return EXIT_USAGE;
        }
    }
    if (one && !cxm_catalog_find(one)) {
        fprintf(stderr, "cxm metrics: unknown metric '%s'\n", one);
        return EXIT_USAGE;
    }
    if (md || json) {
        int rc = cxm_catalog_render(stdout, json ? CXM_FORMAT_JSON : CXM_FORMAT_MD, lang, one);
        return rc ? cli_fail("metrics", rc, NULL) : EXIT_OK;
    }
    int first = 1;
    for (size_t i = 0; i < cxm_catalog_count(); i++) {
        const cxm_metric_info *m = cxm_catalog_get(i);
        if (one && strcmp(one, m->id)) continue;
        printf("%s%s  (%s; %s, %s)\n", first ? "" : "\n", m->id, cxm_label(m->id, lang), cxm_kind_name(m->kind),
               cxm_unit_name(m->unit));
        printf("  formula:  %s\n", m->formula);
        printf("  inputs:   %s (%s)\n", m->inputs, m->stream);
        if (m->variants[0]) printf("  variants: %s\n", m->variants);
        if (m->presets[0]) printf("  presets:  %s\n", m->presets);
        printf("  better:   %s\n", m->higher_is_better < 0 ? "neither" : m->higher_is_better ? "higher" : "lower");
        printf("  seeds:    %s\n", m->seeds);
        first = 0;
    }
    return EXIT_OK;
}
