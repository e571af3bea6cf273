/*
 * metrics.c - `cxm metrics`: the catalog with definitions.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const char *kind_name(cxm_kind k) {
    switch (k) {
    case CXM_KIND_COUNT: return "count";
    case CXM_KIND_DISTRIBUTION: return "distribution";
    case CXM_KIND_RATE: return "rate";
    case CXM_KIND_SCORE: return "score";
    }
    return "";
}

static void json_str(const char *s) {
    putchar('"');
    for (; *s; s++) {
        if (*s == '"' || *s == '\\') putchar('\\');
        putchar(*s);
    }
    putchar('"');
}

static void md_cell(const char *s) {
    for (; *s; s++) {
        if (*s == '|') fputs("\\|", stdout);
        else putchar(*s);
    }
}

/* Markdown: the catalog section of docs/METRICS.md (tests/e2e/docs.sh checks
 * the file holds exactly this). */
static void print_md(const char *lang) {
    for (size_t i = 0; i < cxm_catalog_count(); i++) {
        const cxm_metric_info *m = cxm_catalog_get(i);
        printf("### `%s`: %s\n\n", m->id, cxm_label(m->id, lang));
        printf("| | |\n|---|---|\n");
        printf("| family | %s |\n| kind | %s |\n| unit | %s |\n| better | %s |\n", m->family, kind_name(m->kind),
               cxm_unit_name(m->unit), m->higher_is_better < 0 ? "neither" : m->higher_is_better ? "higher" : "lower");
        printf("| reads | %s: ", m->stream);
        md_cell(m->inputs);
        printf(" |\n| formula | ");
        md_cell(m->formula);
        printf(" |\n");
        if (m->variants[0]) {
            printf("| variants | ");
            md_cell(m->variants);
            printf(" |\n");
        }
        if (m->presets[0]) {
            printf("| presets | ");
            md_cell(m->presets);
            printf(" |\n");
        }
        printf("| seeds | ");
        md_cell(m->seeds);
        printf(" |\n\n");
    }
}

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
    if (md) {
        print_md(lang);
        return EXIT_OK;
    }
    if (json) fputs("[", stdout);
    int first = 1;
    for (size_t i = 0; i < cxm_catalog_count(); i++) {
        const cxm_metric_info *m = cxm_catalog_get(i);
        if (one && strcmp(one, m->id)) continue;
        if (json) {
            printf("%s\n{\"id\":", first ? "" : ",");
            json_str(m->id);
            printf(",\"family\":");
            json_str(m->family);
            printf(",\"name\":");
            json_str(cxm_label(m->id, lang));
            printf(",\"kind\":\"%s\",\"unit\":\"%s\",\"higher_is_better\":%s,\"stream\":", kind_name(m->kind),
                   cxm_unit_name(m->unit), m->higher_is_better < 0 ? "null" : m->higher_is_better ? "true" : "false");
            json_str(m->stream);
            printf(",\"inputs\":");
            json_str(m->inputs);
            printf(",\"formula\":");
            json_str(m->formula);
            printf(",\"variants\":");
            json_str(m->variants);
            printf(",\"presets\":");
            json_str(m->presets);
            printf(",\"seeds\":");
            json_str(m->seeds);
            putchar('}');
        } else {
            printf("%s%s  (%s; %s, %s)\n", first ? "" : "\n", m->id, cxm_label(m->id, lang), kind_name(m->kind),
                   cxm_unit_name(m->unit));
            printf("  formula:  %s\n", m->formula);
            printf("  inputs:   %s (%s)\n", m->inputs, m->stream);
            if (m->variants[0]) printf("  variants: %s\n", m->variants);
            if (m->presets[0]) printf("  presets:  %s\n", m->presets);
            printf("  better:   %s\n", m->higher_is_better < 0 ? "neither" : m->higher_is_better ? "higher" : "lower");
            printf("  seeds:    %s\n", m->seeds);
        }
        first = 0;
    }
    if (json) puts("\n]");
    return EXIT_OK;
}
