/* core/archref.c: archival references (档号) from a pattern (archref.h). */
#include "core/archref.h"

#include "core/buf.h"
#include "core/error.h"

#include <string.h>

static const struct {
    const char *period, *code, *zh;
} periods[] = {{"permanent", "Y", "永久"}, {"long", "C", "长期"}, {"short", "D", "短期"}};

const char *
cs_archref_period_code(const char *period)
{
    for (size_t i = 0; period != NULL && i < sizeof periods / sizeof periods[0]; i++)
        if (strcmp(period, periods[i].period) == 0)
            return periods[i].code;
    return NULL;
}

const char *
cs_archref_period_zh(const char *period)
{
    for (size_t i = 0; period != NULL && i < sizeof periods / sizeof periods[0]; i++)
        if (strcmp(period, periods[i].period) == 0)
            return periods[i].zh;
    return NULL;
}

/* One field "{name}" or "{name:N}" (name and len without the braces) into b. */
static int
field(cs_buf_t *b, const char *name, size_t len, const cs_archref_parts_t *p, int *has_seq)
{
    const char *v = NULL;
    if (len == 5 && memcmp(name, "fonds", 5) == 0)
        v = p->fonds ? p->fonds : "";
    else if (len == 5 && memcmp(name, "class", 5) == 0)
        v = p->class_ ? p->class_ : "";
    else if (len == 6 && memcmp(name, "period", 6) == 0)
        v = p->period ? cs_archref_period_code(p->period) : "Y";
    else if (len == 9 && memcmp(name, "period_zh", 9) == 0)
        v = p->period ? cs_archref_period_zh(p->period) : "永久";
    else if (len == 4 && memcmp(name, "year", 4) == 0) {
        cs_buf_printf(b, "%04d", p->year);
        return 0;
    } else if (len == 3 && memcmp(name, "seq", 3) == 0) {
        *has_seq = 1;
        cs_buf_printf(b, "%lld", p->seq);
        return 0;
    } else if (len == 6 && memcmp(name, "seq:", 4) == 0 && name[4] == '0' && name[5] >= '1' &&
               name[5] <= '9') {
        *has_seq = 1;
        cs_buf_printf(b, "%0*lld", name[5] - '0', p->seq);
        return 0;
    } else if (len == 5 && memcmp(name, "seq:", 4) == 0 && name[4] >= '1' && name[4] <= '9') {
        *has_seq = 1;
        cs_buf_printf(b, "%0*lld", name[4] - '0', p->seq);
        return 0;
    }
    if (v == NULL) {
        cs_diag_set("archive.reference_pattern: unknown field {%.*s}: use {fonds}, {class}, "
                    "{year}, {period}, {period_zh}, {seq} or {seq:04}",
                    (int)(len > 40 ? 40 : len), name);
        return CS_EINVAL;
    }
    cs_buf_add_str(b, v);
    return 0;
}

static int
render(const char *pattern, const cs_archref_parts_t *p, char *out, size_t cap, int *has_seq)
{
    cs_buf_t b;
    int rc;
    cs_buf_init(&b, out, cap);
    for (const char *s = pattern; *s != '\0';) {
        if ((s[0] == '{' && s[1] == '{') || (s[0] == '}' && s[1] == '}')) {
            cs_buf_add(&b, s, 1);
            s += 2;
        } else if (s[0] == '{') {
            const char *end = strchr(s, '}');
            if (end == NULL) {
                cs_diag_set("archive.reference_pattern: a { is not closed");
                return CS_EINVAL;
            }
            if ((rc = field(&b, s + 1, (size_t)(end - s - 1), p, has_seq)) != 0)
                return rc;
            s = end + 1;
        } else if (s[0] == '}') {
            cs_diag_set("archive.reference_pattern: a } without its { (write }} for one)");
            return CS_EINVAL;
        } else {
            cs_buf_add(&b, s++, 1);
        }
    }
    if ((rc = cs_buf_done(&b)) != 0) {
        cs_diag_set("the archival reference is longer than %zu bytes", cap - 1);
        return rc;
    }
    return 0;
}

int
cs_archref_format(const char *pattern, const cs_archref_parts_t *parts, char *out, size_t cap)
{
    int has_seq = 0, rc;
    if ((rc = render(pattern, parts, out, cap, &has_seq)) != 0)
        return rc;
    if (out[0] == '\0' || out[0] == '.') {
        cs_diag_set("the archival reference \"%s\" is empty or starts with a dot: check "
                    "archive.reference_pattern and archive.fonds",
                    out);
        return CS_EINVAL;
    }
    for (const unsigned char *c = (const unsigned char *)out; *c; c++)
        if (*c == '/' || *c < 0x20 || *c == 0x7f) {
            cs_diag_set("the archival reference \"%s\" holds a '/' or a control character: "
                        "check archive.reference_pattern, archive.fonds and archive.class",
                        out);
            return CS_EINVAL;
        }
    return 0;
}

int
cs_archref_check(const char *pattern)
{
    cs_archref_parts_t p = {.fonds = "F", .class_ = "C", .year = 2026, .period = "long", .seq = 1};
    char out[CS_ARCHREF_MAX];
    int has_seq = 0, rc;
    if ((rc = render(pattern, &p, out, sizeof out, &has_seq)) != 0)
        return rc;
    if (!has_seq) {
        cs_diag_set("archive.reference_pattern \"%.80s\" has no {seq}: every case would get the "
                    "same reference",
                    pattern);
        return CS_EINVAL;
    }
    return 0;
}

int
cs_archref_config_check(const char *key, const char *value, const char *origin)
{
    char why[512];
    (void)key;
    if (cs_archref_check(value) == 0)
        return 0;
    cs_snprintf_cut(why, sizeof why, "%s", cs_diag());
    cs_diag_set("%s: %s", origin, why);
    return CS_ECONFIG;
}
