/* ingest/sidecar.c: reading and checking a sidecar `<file>.json` (route.h has the rules). */
#include "ingest/route.h"

#include "core/error.h"
#include "core/utf8.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define QUOTE_MAX 96   /* bytes of a value or name quoted in a problem */
#define WHY_MAX 160    /* bytes of a reason inside a problem */
#define FAULTS_MAX 640 /* bytes of the fields' faults in a problem; route.c adds the path's */
#define TIME_EXAMPLE "2023-05-04T14:30:00+08:00"

typedef enum { F_CASE, F_TEXT, F_NOTE, F_TIME, F_ENUM } field_kind_t;

typedef struct field {
    const char *key;
    field_kind_t kind;
    size_t off, size;
    const char *const *values; /* F_ENUM: allowed values, NULL-terminated */
    const char *list;          /* F_ENUM: the same, for the problem */
} field_t;

static const char *const stages[] = {"filing", "investigation", "decision", "service", NULL};
/* The names a Chinese bureau uses for the stages; each is stored as its English key. */
static const struct {
    const char *name, *key;
} stage_names[] = {
    {"立案", "filing"},       {"调查取证", "investigation"},
    {"审核决定", "decision"}, {"审查决定", "decision"}, /* also accepted: a common variant */
    {"送达执行", "service"},
};
static const char *const classifications[] = {
    "public", "internal", "privacy", "commercial_secret", "state_secret", NULL};

#define FIELD(key, kind, member, values, list)                                                     \
    {                                                                                              \
        key, kind, offsetof(cs_route_t, member), sizeof(((cs_route_t *)0)->member), values, list   \
    }

/* route.h documents these fields; keep the two and KEYS in step. */
static const field_t fields[] = {
    FIELD("case", F_CASE, case_number, NULL, NULL),
    FIELD("party", F_TEXT, party, NULL, NULL),
    FIELD("officer", F_TEXT, officer, NULL, NULL),
    FIELD("place", F_TEXT, place, NULL, NULL),
    FIELD("recorded_at", F_TIME, recorded_at, NULL, NULL),
    FIELD("stage", F_ENUM, stage, stages,
          "filing (立案), investigation (调查取证), decision (审核决定), service (送达执行)"),
    FIELD("classification", F_ENUM, classification, classifications,
          "public, internal, privacy, commercial_secret, state_secret"),
    FIELD("note", F_NOTE, note, NULL, NULL),
};
#define KEYS "case, party, officer, place, recorded_at, stage, classification or note"

typedef struct sidecar {
    char name[QUOTE_MAX];    /* the sidecar's base name, quoted for problems */
    cs_route_t *route;       /* where a problem goes */
    char faults[FAULTS_MAX]; /* the fields not applied, each with its reason and advice */
    size_t used;             /* bytes of faults in use */
    int applied;             /* fields applied */
} sidecar_t;

static int why_set(int rc, char *why, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Puts a reason in why and returns rc. */
static int
why_set(int rc, char *why, size_t cap, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    cs_route__vmessage(why, cap, fmt, ap);
    va_end(ap);
    return rc;
}

/* Puts "sidecar <name>: <detail>" in the route's problem and in cs_diag; CS_ESIDECAR. */
static int sidecar_fail(sidecar_t *sc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int
sidecar_fail(sidecar_t *sc, const char *fmt, ...)
{
    char *p = sc->route->problem;
    size_t cap = sizeof sc->route->problem;
    int n = snprintf(p, cap, "sidecar %s: ", sc->name);
    va_list ap;

    /* The name is quoted to QUOTE_MAX bytes, far below cap. */
    if (n > 0 && (size_t)n < cap) {
        va_start(ap, fmt);
        cs_route__vmessage(p + n, cap - (size_t)n, fmt, ap);
        va_end(ap);
    }
    cs_diag_set("%s", p);
    return CS_ESIDECAR;
}

/* Notes a field that is not applied and why; the other fields still are. Returns 0. */
static int sidecar_fault(sidecar_t *sc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int
sidecar_fault(sidecar_t *sc, const char *fmt, ...)
{
    char one[FAULTS_MAX];
    size_t cap = sizeof sc->faults - sc->used;
    va_list ap;

    va_start(ap, fmt);
    cs_route__vmessage(one, sizeof one, fmt, ap);
    va_end(ap);
    sc->route->sidecar_faults++;
    /* Full already: the "..." at its end says more was cut. */
    if (cap <= 1)
        return 0;
    cs_route__message(sc->faults + sc->used, cap, "%s%s", sc->used ? "; also " : "", one);
    sc->used += strlen(sc->faults + sc->used);
    if (sc->used + 1 >= sizeof sc->faults)
        sc->used = sizeof sc->faults - 1;
    return 0;
}

/* Reads the whole sidecar into *buf (malloc'd). 1 if there is none. */
static int
sidecar_read(sidecar_t *sc, const char *path, char **buf, size_t *len)
{
    int fd = -1, err = 0;
    size_t got = 0;
    char *b = NULL;
    struct stat st;

    /* O_NONBLOCK: a FIFO named like a sidecar must not hang the router. O_NOFOLLOW: a link
     * would let whoever drops files read any file the service can (its note, its text in a
     * problem); a sidecar is read only as a file of its own. */
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | O_NOFOLLOW);
    if (fd < 0) {
        if (errno == ENOENT || errno == ENOTDIR)
            return 1;
        if (errno == ELOOP)
            err = sidecar_fail(sc, "is a symbolic link: refused, it is not read; put the JSON "
                                   "file itself there");
        else
            err = sidecar_fail(sc, "cannot be opened (%s); make it readable or remove it",
                               strerror(errno));
        goto out;
    }
    if (fstat(fd, &st) != 0) {
        err = sidecar_fail(sc, "cannot be read (%s); replace it", strerror(errno));
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        err = sidecar_fail(sc, "is not a regular file; remove it or put a JSON file there");
        goto out;
    }
    if (st.st_nlink != 1) {
        err = sidecar_fail(sc,
                           "has %ju links (a hard link to a file elsewhere?): refused, it is not "
                           "read; put a copy of the JSON file there",
                           (uintmax_t)st.st_nlink);
        goto out;
    }
    if (st.st_size > CS_ROUTE_SIDECAR_MAX)
        goto too_big;
    if (!(b = malloc(CS_ROUTE_SIDECAR_MAX + 1))) {
        cs_diag_set("route: out of memory reading a sidecar");
        err = CS_ENOMEM;
        goto out;
    }
    /* Read one byte past the limit: a file that grew since fstat is still refused. */
    while (got < CS_ROUTE_SIDECAR_MAX + 1) {
        ssize_t r = read(fd, b + got, CS_ROUTE_SIDECAR_MAX + 1 - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            err = sidecar_fail(sc, "cannot be read (%s); replace it", strerror(errno));
            goto out;
        }
        if (r == 0)
            break;
        got += (size_t)r;
    }
    if (got > CS_ROUTE_SIDECAR_MAX)
        goto too_big;
    *buf = b;
    *len = got;
    b = NULL;
    goto out;
too_big:
    err = sidecar_fail(sc, "is more than %d bytes; a sidecar holds a few short fields: shorten it",
                       CS_ROUTE_SIDECAR_MAX);
out:
    if (fd != -1)
        close(fd);
    free(b);
    return err;
}

static const char *
type_name(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return "an object";
    case JSON_ARRAY:
        return "a list";
    case JSON_STRING:
        return "a string";
    case JSON_INTEGER:
    case JSON_REAL:
        return "a number";
    case JSON_TRUE:
    case JSON_FALSE:
        return "true/false";
    default:
        return "null";
    }
}

/* What jansson found wrong, in words of our own that quote nothing of the file. */
static const char *
json_fault(enum json_error_code code)
{
    switch (code) {
    case json_error_duplicate_key:
        return "a duplicate key; keep one of the two";
    case json_error_premature_end_of_input:
        return "it ends too early; close every quote and brace";
    case json_error_end_of_input_expected:
        return "text after the object; remove it";
    case json_error_null_character:
    case json_error_null_byte_in_key:
        return "a \\u0000 character; remove it";
    case json_error_numeric_overflow:
        return "a number too large";
    case json_error_stack_overflow:
        return "nested too deeply";
    default:
        return "check the quotes, commas and braces";
    }
}

/* Checks the bytes, then parses them into a JSON object. */
static int
sidecar_parse(sidecar_t *sc, const char *buf, size_t len, json_t **root)
{
    json_error_t jerr;
    int bom = 0;

    /* Windows editors like to start UTF-8 with a byte order mark; it carries nothing. */
    if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0)
        buf += 3, len -= 3, bom = 3;
    if (len == 0)
        return sidecar_fail(sc, "is empty; write a JSON object such as {\"stage\": \"filing\"} "
                                "or remove it");
    /* Two values for one key would leave the choice to the parser; refuse them. Any value
     * parses, so that a list or a bare string is named as such below. */
    *root = json_loadb(buf, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
    if (!*root && json_error_code(&jerr) == json_error_invalid_utf8)
        return sidecar_fail(sc, "is not valid UTF-8 at byte %d (saved as GBK?); save it as UTF-8",
                            jerr.position + bom);
    /* Never jerr.text: it quotes the bytes it stopped at, and a problem goes to the log and
     * the catalog; the place and the kind of fault are enough to find them. */
    if (!*root)
        return sidecar_fail(sc, "is not valid JSON (line %d, column %d: %s); fix it there",
                            jerr.line, jerr.column, json_fault(json_error_code(&jerr)));
    if (!json_is_object(*root))
        return sidecar_fail(sc, "holds %s, not a JSON object; write {\"field\": \"value\", ...}",
                            type_name(*root));
    return 0;
}

/* Reads exactly n digits at *p. */
static int
digits(const char **p, int n, int *v)
{
    int x = 0;

    for (int i = 0; i < n; i++) {
        if ((*p)[i] < '0' || (*p)[i] > '9')
            return 0;
        x = x * 10 + ((*p)[i] - '0');
    }
    *p += n;
    *v = x;
    return 1;
}

static int
lit(const char **p, char c)
{
    if (**p != c)
        return 0;
    (*p)++;
    return 1;
}

static int
days_in_month(int y, int m)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 29;
    return days[m - 1];
}

/* 0 if s is an RFC 3339 date-time (section 5.6) as Custody takes it: upper-case T and Z, no
 * leap second (a recorder never writes one; our UTC arithmetic has none), 1-9 fraction digits. */
static int
time_check(const char *s, char *why, size_t cap)
{
    const char *p = s;
    int y, mo, d, h, mi, sec, oh, om;

    if (!digits(&p, 4, &y) || !lit(&p, '-') || !digits(&p, 2, &mo) || !lit(&p, '-') ||
        !digits(&p, 2, &d))
        return why_set(-1, why, cap, "the date must be YYYY-MM-DD");
    if (mo < 1 || mo > 12)
        return why_set(-1, why, cap, "month %02d is out of range (01-12)", mo);
    if (d < 1 || d > days_in_month(y, mo))
        return why_set(-1, why, cap, "day %02d is out of range for %04d-%02d", d, y, mo);
    if (*p == '\0')
        return why_set(-1, why, cap, "it has no time");
    if (!lit(&p, 'T'))
        return why_set(-1, why, cap, "date and time must be joined by an upper-case T");
    if (!digits(&p, 2, &h) || !lit(&p, ':') || !digits(&p, 2, &mi))
        return why_set(-1, why, cap, "the time must be HH:MM:SS");
    if (!lit(&p, ':'))
        return why_set(-1, why, cap, "it has no seconds");
    if (!digits(&p, 2, &sec))
        return why_set(-1, why, cap, "the time must be HH:MM:SS");
    if (h > 23)
        return why_set(-1, why, cap, "hour %02d is out of range (00-23)", h);
    if (mi > 59)
        return why_set(-1, why, cap, "minute %02d is out of range (00-59)", mi);
    if (sec > 59)
        return why_set(-1, why, cap, "second %02d is out of range (00-59)", sec);
    if (lit(&p, '.')) {
        const char *f = p;
        while (*p >= '0' && *p <= '9')
            p++;
        if (p == f || p - f > 9)
            return why_set(-1, why, cap, "a '.' after the seconds takes 1 to 9 digits");
    }
    if (*p == '\0')
        return why_set(-1, why, cap, "it has no UTC offset (Z for UTC, or e.g. +08:00)");
    if (!lit(&p, 'Z')) {
        if (!lit(&p, '+') && !lit(&p, '-'))
            return why_set(-1, why, cap, "the UTC offset must be Z or like +08:00");
        if (!digits(&p, 2, &oh) || !lit(&p, ':') || !digits(&p, 2, &om))
            return why_set(-1, why, cap, "the UTC offset must be Z or like +08:00");
        if (oh > 23 || om > 59)
            return why_set(-1, why, cap, "the UTC offset is out of range (-23:59 to +23:59)");
    }
    if (*p != '\0')
        return why_set(-1, why, cap, "text follows the UTC offset");
    return 0;
}

static const char *
text_advice(int kind)
{
    switch (kind) {
    case CS_ROUTE__TEXT_EMPTY:
        return "fill it in or remove the field";
    case CS_ROUTE__TEXT_LONG:
        return "shorten it";
    case CS_ROUTE__TEXT_UTF8:
        return "retype it";
    default:
        return "remove it";
    }
}

/* The stored key of stage s (an English key or a Chinese name), or NULL. */
static const char *
stage_key(const char *s)
{
    for (size_t i = 0; i < sizeof stage_names / sizeof stage_names[0]; i++)
        if (strcmp(s, stage_names[i].name) == 0)
            return stage_names[i].key;
    return NULL;
}

/* Checks one key and value and puts the value into *route; a bad one is noted as a fault and
 * left out. Returns 0 or CS_ENOMEM. */
static int
sidecar_field(sidecar_t *sc, const cs_casenum_rule_t *rule, const char *key, const json_t *v,
              cs_route_t *route)
{
    const field_t *f = NULL;
    char q[QUOTE_MAX], why[WHY_MAX];
    const char *s;
    size_t n;
    int kind, err;

    for (size_t i = 0; i < sizeof fields / sizeof fields[0] && !f; i++)
        if (strcmp(key, fields[i].key) == 0)
            f = &fields[i];
    if (!f) {
        cs_utf8_quote(q, sizeof q, key, strlen(key), 1);
        return sidecar_fault(sc, "\"%s\" is not a sidecar field; use " KEYS, q);
    }
    if (!json_is_string(v))
        return sidecar_fault(sc, "\"%s\" is %s; write it as text in double quotes: \"%s\": \"...\"",
                             key, type_name(v), key);
    s = json_string_value(v);
    n = json_string_length(v);
    /* A case number may shrink when normalised; cs_casenum_parse bounds it. */
    kind = cs_route__check_text(s, n, f->kind == F_CASE ? SIZE_MAX : f->size, f->kind == F_NOTE,
                                why, sizeof why);
    if (kind != 0)
        return sidecar_fault(sc, "\"%s\" %s; %s", key, why, text_advice(kind));
    cs_utf8_quote(q, sizeof q, s, n, 1);
    switch (f->kind) {
    case F_CASE: {
        cs_casenum_t cn;
        if ((err = cs_casenum_parse(rule, s, &cn)) == CS_ENOMEM)
            return err;
        if (err != 0) {
            cs_route__casenum_why(why, sizeof why);
            /* Without a case of its own the file goes by its folder (route.c says which). */
            return sidecar_fault(sc,
                                 "\"case\" is \"%s\", not a case number (%s); the file goes by "
                                 "its folder instead: fix the sidecar, and link the file to its "
                                 "case with custody link if the folder's is wrong",
                                 q, why);
        }
        memcpy(route->case_number, cn.text, sizeof route->case_number);
        sc->applied++;
        return 0;
    }
    case F_TIME:
        if (time_check(s, why, sizeof why) != 0)
            return sidecar_fault(sc, "\"%s\" is \"%s\": %s; write it like " TIME_EXAMPLE, key, q,
                                 why);
        break;
    case F_ENUM: {
        const char *const *e = f->values;
        while (*e && strcmp(*e, s) != 0)
            e++;
        if (!*e && f->values == stages && (s = stage_key(s)) != NULL) {
            memcpy((char *)route + f->off, s, strlen(s) + 1);
            sc->applied++;
            return 0;
        }
        if (!*e)
            return sidecar_fault(sc, "\"%s\" is \"%s\"; use one of %s", key, q, f->list);
        break;
    }
    default:
        break;
    }
    memcpy((char *)route + f->off, s, n + 1);
    sc->applied++;
    return 0;
}

int
cs_route__apply_sidecar(const cs_casenum_rule_t *rule, const char *path, cs_route_t *route)
{
    sidecar_t sc = {.route = route};
    const char *base = strrchr(path, '/');
    char *buf = NULL;
    size_t len = 0;
    json_t *root = NULL, *v;
    const char *key;
    int err;

    base = base ? base + 1 : path;
    cs_utf8_quote(sc.name, sizeof sc.name, base, strlen(base), 0);
    if ((err = sidecar_read(&sc, path, &buf, &len)) != 0)
        goto out;
    if ((err = sidecar_parse(&sc, buf, len, &root)) != 0)
        goto out;
    /* Field by field: a bad one is reported and left out, the good ones are kept (a clerk's
     * typo in the stage must not lose the party and place typed beside it). */
    json_object_foreach(root, key, v)
    {
        if ((err = sidecar_field(&sc, rule, key, v, route)) != 0)
            goto out;
    }
    route->has_sidecar = 1;
    if (sc.used > 0)
        cs_route__message(route->problem, sizeof route->problem, "sidecar %s: %s; %s", sc.name,
                          sc.faults,
                          sc.applied ? "the other fields were applied" : "nothing else was in it");
out:
    json_decref(root);
    free(buf);
    return err;
}
