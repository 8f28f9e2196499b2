/* ingest/route.c: routing by path, the text checks it shares with sidecar.c, marker names, the
 * route as JSON. */
#include "ingest/route.h"
#include "core/buf.h"

#include "core/error.h"
#include "core/utf8.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define QUOTE_MAX 160 /* bytes of a name quoted in a problem */
#define WHY_MAX 224   /* bytes of a reason quoted in a problem */

void
cs_route__vmessage(char *dst, size_t cap, const char *fmt, va_list ap)
{
    int n;

    if (cap == 0)
        return;
    n = vsnprintf(dst, cap, fmt, ap);
    if (n < 0) {
        /* An empty problem reads as "all is well"; never leave one behind by accident. */
        cs_snprintf_cut(dst, cap, "%s", cap > 4 ? "(message could not be formatted)" : "");
        return;
    }
    if ((size_t)n >= cap && cap > 4) {
        /* Step back to the first byte of a character so the cut leaves valid UTF-8. */
        size_t at = cap - 4;
        while (at > 0 && ((unsigned char)dst[at] & 0xC0) == 0x80)
            at--;
        memcpy(dst + at, "...", 4);
    }
}

void
cs_route__message(char *dst, size_t cap, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    cs_route__vmessage(dst, cap, fmt, ap);
    va_end(ap);
}

/* C0, DEL and C1: what no name or one-line value should hold. */
static int
is_control(uint32_t cp)
{
    return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F);
}

int
cs_route__check_text(const char *s, size_t n, size_t max, int multiline, char *why, size_t why_len)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;

    if (n == 0) {
        cs_route__message(why, why_len, "is empty");
        return CS_ROUTE__TEXT_EMPTY;
    }
    if (n >= max) {
        cs_route__message(why, why_len, "is %zu bytes, more than %zu", n, max - 1);
        return CS_ROUTE__TEXT_LONG;
    }
    while (i < n) {
        uint32_t cp = 0;
        size_t adv = cs_utf8_next(u + i, n - i, &cp, NULL);
        if (adv == 0) {
            cs_route__message(why, why_len, "is not valid UTF-8 at byte %zu", i);
            return CS_ROUTE__TEXT_UTF8;
        }
        /* A note may span lines; CR LF is how Windows tools write a line break. */
        int line = cp == '\n' || cp == '\t' || (cp == '\r' && i + 1 < n && u[i + 1] == '\n');
        if (is_control(cp) && !(multiline && line)) {
            cs_route__message(why, why_len, "has a control character (U+%04X) at byte %zu",
                              (unsigned)cp, i);
            return CS_ROUTE__TEXT_CONTROL;
        }
        i += adv;
    }
    return 0;
}

void
cs_route__casenum_why(char *dst, size_t cap)
{
    static const char lead[] = "case number \"";
    const char *d = cs_diag(), *p = d;

    /* cs_casenum_parse quotes the input first; the caller quotes it already, in its own way. */
    if (strncmp(d, lead, sizeof lead - 1) == 0) {
        p = d + sizeof lead - 1;
        while (*p != '\0' && *p != '"')
            p += p[0] == '\\' && p[1] != '\0' ? 2 : 1;
        if (*p == '"') {
            p++;
            if (*p == ':')
                p++;
            while (*p == ' ')
                p++;
        }
        if (*p == '\0')
            p = d;
    }
    cs_route__message(dst, cap, "%s", *p != '\0' ? p : "not a case number");
}

/* Routes by the first folder. A folder that is not a case number leaves the file unassigned
 * with the reason in why; only running out of memory is an error. */
static int
route_case(const cs_casenum_rule_t *rule, const char *name, cs_route_t *out, char *why,
           size_t why_len)
{
    cs_casenum_t cn;
    char q[QUOTE_MAX], reason[WHY_MAX];
    int err = cs_casenum_parse(rule, name, &cn);

    if (err == CS_ENOMEM)
        return err;
    if (err != 0) {
        cs_utf8_quote(q, sizeof q, name, strlen(name), 1);
        cs_route__casenum_why(reason, sizeof reason);
        cs_route__message(
            why, why_len,
            "folder \"%s\" is not a case number (%s); the file is kept as unassigned; link "
            "it with custody link",
            q, reason);
        return 0;
    }
    memcpy(out->case_number, cn.text, sizeof out->case_number);
    return 0;
}

/* Routes by the second folder; a bad one leaves the officer empty with the reason in why. */
static void
route_officer(const char *name, cs_route_t *out, char *why, size_t why_len)
{
    char q[QUOTE_MAX], reason[WHY_MAX];
    size_t n = strlen(name);

    if (cs_route__check_text(name, n, sizeof out->officer, 0, reason, sizeof reason) != 0) {
        cs_utf8_quote(q, sizeof q, name, n, 1);
        cs_route__message(
            why, why_len,
            "folder \"%s\" is not an officer id (%s); the officer is left empty; rename the "
            "folder or give \"officer\" in a sidecar",
            q, reason);
        return;
    }
    memcpy(out->officer, name, n + 1);
}

/* Splits rel into components and routes by the first two. */
static int
route_path(const cs_casenum_rule_t *rule, const char *rel, cs_route_t *out, char *case_why,
           char *officer_why, size_t why_len)
{
    char first[NAME_MAX + 1], second[NAME_MAX + 1];
    size_t count = 0;
    const char *p = rel;
    char q[QUOTE_MAX];
    int err;

    for (;;) {
        size_t n = strcspn(p, "/");
        if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.')) {
            cs_utf8_quote(q, sizeof q, rel, strlen(rel), 1);
            cs_diag_set("route: path \"%s\" relative to the upload folder must be names joined "
                        "by single '/', none of them \".\" or \"..\"",
                        q);
            return CS_EINVAL;
        }
        if (n > NAME_MAX) {
            cs_utf8_quote(q, sizeof q, rel, strlen(rel), 1);
            cs_diag_set("route: path \"%s\" has a name longer than %d bytes", q, NAME_MAX);
            return CS_ENAMETOOLONG;
        }
        /* The last component is the file itself: only folders above it route. */
        if (count < 2) {
            char *dst = count == 0 ? first : second;
            memcpy(dst, p, n);
            dst[n] = '\0';
        }
        count++;
        if (p[n] == '\0')
            break;
        p += n + 1;
    }
    if (count == 1) {
        cs_route__message(
            case_why, why_len,
            "the file is directly in the upload folder, not in a case folder; it is kept as "
            "unassigned; link it with custody link or move it into a folder named after its "
            "case number");
        return 0;
    }
    if ((err = route_case(rule, first, out, case_why, why_len)) != 0)
        return err;
    if (count >= 3)
        route_officer(second, out, officer_why, why_len);
    return 0;
}

/* The name of component `i` (0, 1) of rel as JSON text, or NULL. */
static json_t *
component(const char *rel, int i)
{
    const char *p = rel;
    for (; i > 0 && (p = strchr(p, '/')) != NULL; i--)
        p++;
    return p != NULL && strchr(p, '/') != NULL ? json_stringn(p, strcspn(p, "/")) : NULL;
}

/* The code and params of out->problem, decided from what made it: the sidecar's (unreadable or
 * with bad fields) first, else the path's (no case folder, a case folder or an officer folder
 * that is not one); a path's beside a sidecar's is its "also". */
static void
problem_code(const char *rel, const char *sidecar, int unreadable, int by_sidecar,
             const char *path_why, int officer, cs_route_t *out)
{
    cs_reason_code_t path_code = officer                    ? CS_R_OFFICER_FOLDER
                                 : strchr(rel, '/') == NULL ? CS_R_NO_CASE_FOLDER
                                                            : CS_R_CASE_FOLDER;
    json_t *p = json_object();
    size_t n = 0;
    if (by_sidecar) {
        const char *base = strrchr(sidecar, '/');
        out->problem_code = unreadable ? CS_R_SIDECAR_UNREADABLE : CS_R_SIDECAR_FIELD;
        json_object_set_new(p, "sidecar", json_string(base ? base + 1 : sidecar));
        if (!unreadable)
            json_object_set_new(p, "faults", json_integer(out->sidecar_faults));
        if (path_why[0] != '\0')
            json_object_set_new(p, "also", json_string(cs_reason_slug(path_code)));
    } else {
        out->problem_code = path_code;
    }
    if (path_code != CS_R_NO_CASE_FOLDER && (by_sidecar ? path_why[0] != '\0' : 1))
        json_object_set_new(p, "folder", component(rel, officer ? 1 : 0));
    if (json_object_size(p) > 0)
        n = json_dumpb(p, out->problem_params, sizeof out->problem_params - 1, JSON_COMPACT);
    out->problem_params[n < sizeof out->problem_params ? n : 0] = '\0'; /* too long: none */
    json_decref(p);
}

int
cs_route_file(const cs_casenum_rule_t *rule, const char *rel_path, const char *sidecar_path,
              cs_route_t *out)
{
    char case_why[sizeof out->problem] = "", officer_why[sizeof out->problem] = "";
    char side_why[sizeof out->problem];
    const char *path_why;
    int err;

    if (out)
        memset(out, 0, sizeof *out);
    if (!rule || !rel_path || !out) {
        cs_diag_set("route: called without a case number rule, a path or an output");
        return CS_EINVAL;
    }
    err = route_path(rule, rel_path, out, case_why, officer_why, sizeof case_why);
    if (err) {
        memset(out, 0, sizeof *out);
        goto out;
    }
    if (sidecar_path) {
        /* On a sidecar that cannot be read, out keeps the path's routing and the sidecar's
         * problem; on one with bad fields, the good ones are applied and the bad named. */
        err = cs_route__apply_sidecar(rule, sidecar_path, out);
        if (err == 1)
            err = 0;
        if (err != 0 && err != CS_ESIDECAR)
            goto out;
    }
    /* A path problem the sidecar has made good is no problem any more. */
    path_why = "";
    if (out->case_number[0] == '\0')
        path_why = case_why;
    else if (out->officer[0] == '\0')
        path_why = officer_why;
    /* The sidecar's problem first (it names the sidecar), then the path's. */
    memcpy(side_why, out->problem, sizeof side_why);
    if (side_why[0] != '\0' && path_why[0] != '\0')
        cs_route__message(out->problem, sizeof out->problem, "%s; and %s", side_why, path_why);
    else if (path_why[0] != '\0')
        memcpy(out->problem, path_why, sizeof out->problem);
    if (err == CS_ESIDECAR)
        cs_diag_set("%s", out->problem);
    if (out->problem[0] != '\0')
        problem_code(rel_path, sidecar_path, err == CS_ESIDECAR, side_why[0] != '\0', path_why,
                     path_why == officer_why, out);
out:
    return err;
}

/* 1 if name is "<non-empty base><suffix>". */
static int
has_suffix(const char *name, const char *suffix, size_t *base_len)
{
    size_t n, s = strlen(suffix);

    if (!name)
        return 0;
    n = strlen(name);
    if (n <= s || strcmp(name + n - s, suffix) != 0)
        return 0;
    *base_len = n - s;
    return 1;
}

int
cs_route_is_sidecar(const char *name)
{
    size_t base;

    return has_suffix(name, ".json", &base);
}

int
cs_route_done_marker(const char *name, char *target, size_t len)
{
    size_t base;

    if (!has_suffix(name, ".done", &base))
        return 0;
    if (!target)
        return 1;
    if (base >= len) {
        /* A caller testing only for non-zero must not find a stale name here. */
        if (len > 0)
            target[0] = '\0';
        cs_diag_set("route: done marker \"%s\": the name of its file is longer than %zu bytes",
                    name, len ? len - 1 : 0);
        return CS_ENAMETOOLONG;
    }
    memcpy(target, name, base);
    target[base] = '\0';
    return 1;
}

#define JSON_FIELD(key, member)                                                                    \
    {                                                                                              \
        key, offsetof(cs_route_t, member), sizeof(((cs_route_t *)0)->member)                       \
    }

static const struct {
    const char *key;
    size_t off, size;
} json_fields[] = {
    JSON_FIELD("case", case_number),
    JSON_FIELD("officer", officer),
    JSON_FIELD("party", party),
    JSON_FIELD("place", place),
    JSON_FIELD("recorded_at", recorded_at),
    JSON_FIELD("stage", stage),
    JSON_FIELD("classification", classification),
    JSON_FIELD("note", note),
    JSON_FIELD("problem", problem),
};

json_t *
cs_route_json(const cs_route_t *r)
{
    json_t *o = NULL;

    if (!r || !(o = json_object()))
        goto fail;
    for (size_t i = 0; i < sizeof json_fields / sizeof json_fields[0]; i++) {
        const char *s = (const char *)r + json_fields[i].off;
        size_t n = strnlen(s, json_fields[i].size);
        /* json_stringn refuses invalid UTF-8, so a bad field fails here, not in a reader. */
        if (n > 0 && json_object_set_new(o, json_fields[i].key, json_stringn(s, n)) != 0)
            goto fail;
    }
    if (r->has_sidecar && json_object_set_new(o, "sidecar", json_true()) != 0)
        goto fail;
    if (r->problem[0] != '\0') {
        json_t *p = r->problem_params[0] ? json_loads(r->problem_params, 0, NULL) : json_object();
        if (json_object_set_new(o, "problem_code", json_string(cs_reason_slug(r->problem_code))) !=
                0 ||
            json_object_set_new(o, "problem_params", json_is_object(p) ? p : json_object()) != 0)
            goto fail;
        if (!json_is_object(p))
            json_decref(p);
    }
    return o;
fail:
    json_decref(o);
    return NULL;
}
