/* bench/scale_bench.c: the load and query halves of bench/scale.sh, "a province in a box"
 * (built on demand, not installed).
 *   custody-bench-scale HOME fill N
 *     files N synthetic items in N/100 cases through the code paths `custody ingest` uses
 *     (indexer/jobs.h: an arrival recorded with its job, as copy mode records it: case,
 *     party, item, source, link, events `received`, `stored`, `linked` with their ledger
 *     entries; then the metadata record with its search index and `extracted` event), and six
 *     reviewers' reads per item as the gate (access/) decides and ledgers them: about ten
 *     ledger entries an item. Large transactions (cs_catalog_batch_*), a checkpoint signed
 *     every CKPT_EVERY items (or a tenth of N) as the service would, none at the end (the
 *     tail is left for `custody ledger checkpoint` to sign while it is timed).
 *   custody-bench-scale HOME query KIND COUNT
 *     COUNT random queries of KIND (case, time, near, text, word, short, timeline) through the
 *     functions the API's search and timeline use; prints "p50_ms p99_ms max_ms mean_rows
 *     cpu_p50_ms cpu_p99_ms" (wall clock, then the thread's CPU time).
 *   custody-bench-scale HOME proofs COUNT
 *     COUNT inclusion proofs of leaves in the last checkpoint's tree and COUNT consistency
 *     proofs to it, made as `custody ledger proof|consistency` makes them; prints
 *     "proof_p50_ms proof_p99_ms consistency_p50_ms consistency_p99_ms".
 *   custody-bench-scale HOME proofs-from-leaves COUNT
 *     the same without the stored subtrees (ledger/nodes.c): every leaf read, as before them.
 * SCALE_PROBE=1 in the environment: the fill's cost an item every 10,000 items (probe_window),
 * =2 also by statement (prof_cb).
 * Items need no bytes: a catalog row does not read its object. Every value is a function of
 * the item's number, so queries know what exists. */
#include "access/access.h"
#include "core/error.h"
#include "core/home.h"
#include "indexer/catalog.h"
#include "indexer/catalog_int.h"
#include "indexer/jobs.h"
#include "indexer/ledger.h"
#include "indexer/search.h"
#include "indexer/timeline.h"
#include "ledger/checkpoint.h"
#include "ledger/merkle.h"

#include <math.h>
#include <openssl/sha.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PER_CASE 100
#define BATCH 2000
#define READS 6
#define CKPT_EVERY 200000 /* items; a tenth of N when that is less */
/* The province: a box of about 460 km by 480 km (Zhejiang's extent). */
#define LAT0 27.0
#define LAT1 31.2
#define LON0 118.0
#define LON1 123.0
#define YEARS 10 /* capture times from 2016 on */

static const char *const words[] = {"排污口",   "现场检查", "无证经营", "超标排放", "油烟",
                                    "噪声扰民", "建筑垃圾", "违章搭建", "占道经营", "渣土车",
                                    "废水",     "危险废物", "扬尘",     "露天焚烧", "夜间施工",
                                    "河道",     "餐饮",     "农贸市场", "广告牌",   "非法采砂"};
#define NWORDS (sizeof words / sizeof words[0])
static const char *const towns[] = {"西湖区", "余杭区", "萧山区", "鄞州区", "海曙区", "瓯海区",
                                    "越城区", "柯桥区", "吴兴区", "南湖区", "婺城区", "椒江区"};
#define NTOWNS (sizeof towns / sizeof towns[0])

static uint64_t
mix(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

static double
unit(uint64_t seed) /* [0, 1) */
{
    return (double)(mix(seed) >> 11) / 9007199254740992.0;
}

static double
now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* This thread's CPU time: what a query costs, whatever else the machine runs. */
static double
cpu_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void
case_number(long k, char *out, size_t cap)
{
    snprintf(out, cap, "浙环罚〔%ld〕%ld号", 2016 + k % YEARS, k / YEARS + 1);
}

/* A case's centre and its first day (seconds since 2016-01-01 UTC). */
static void
case_where(long k, double *lat, double *lon, double *day0)
{
    *lat = LAT0 + 0.02 + unit(3 * (uint64_t)k + 1) * (LAT1 - LAT0 - 0.04);
    *lon = LON0 + 0.02 + unit(3 * (uint64_t)k + 2) * (LON1 - LON0 - 0.04);
    *day0 = unit(3 * (uint64_t)k + 3) * (YEARS * 365.0 - 60) * 86400.0;
}

static void
sha_of(long i, char out[65])
{
    unsigned char d[SHA256_DIGEST_LENGTH];
    SHA256((const unsigned char *)&i, sizeof i, d);
    for (int j = 0; j < 32; j++)
        snprintf(out + 2 * j, 3, "%02x", d[j]);
}

/* A reviewer's allowed read of the item's record, as the gate makes its entry. */
static json_t *
read_entry(const char *sha, const char *cn, long i)
{
    cs_access_policy_t pol = {.default_level = 1};
    cs_access_who_t who = {.id = 1 + i % 40, .role = CS_ROLE_REVIEWER, .name = "reviewer.zhang"};
    cs_access_what_t what = {.sha256 = sha, .exists = 1, .level = 1, .ngrants = 1};
    cs_access_how_t how = {.read = i % 2 ? CS_READ_ORIGINAL : CS_READ_METADATA,
                           .purpose = "复核 legal review",
                           .client = "http:10.0.0.7",
                           .action = i % 2 ? "get.original" : "get.record",
                           .bytes = i % 2 ? 2000000 + i : 0};
    cs_access_decision_t dec;
    json_t *e = NULL;
    what.grants[0] =
        (cs_access_grant_t){.id = 1, .clearance = 2, .scope = CS_SCOPE_ORIGINALS, .npurposes = 1};
    snprintf(what.grants[0].purposes, sizeof what.grants[0].purposes, "%s", how.purpose);
    snprintf(what.grants[0].case_number, sizeof what.grants[0].case_number, "%s", cn);
    return cs_access_read(&pol, &who, &what, &how, &dec, &e) == 0 ? e : NULL;
}

static void
utc_text(double t, char *out, size_t cap, int offset_h)
{
    time_t s = (time_t)t + 1451606400 + offset_h * 3600; /* 2016-01-01T00:00:00Z */
    struct tm tm;
    gmtime_r(&s, &tm);
    strftime(out, cap, "%Y-%m-%dT%H:%M:%S", &tm);
}

static int
file_one(cs_catalog_t *cat, long i, cs_job_t *job)
{
    long k = i / PER_CASE;
    char cn[128], sha[65], party[128], officer[64], place[128], note[256], name[64], src[8192];
    char at[64], wall[48], utc[48];
    double lat, lon, day0;
    uint64_t r = mix((uint64_t)i * 7919);
    int err;

    case_number(k, cn, sizeof cn);
    case_where(k, &lat, &lon, &day0);
    sha_of(i, sha);
    snprintf(party, sizeof party, "%s%s有限公司", towns[k % NTOWNS], words[(k / 7) % NWORDS]);
    snprintf(officer, sizeof officer, "执法员%03ld", (k * 13 + i % 3) % 500);
    snprintf(place, sizeof place, "%s%s路%ld号", towns[(k / 3) % NTOWNS], words[k % NWORDS],
             k % 900 + 1);
    snprintf(note, sizeof note, "检查记录JC%06ld %s %s", k, words[r % NWORDS],
             words[(r >> 8) % NWORDS]);
    snprintf(name, sizeof name, "IMG_%08ld.jpg", i);
    double t = day0 + unit(r) * 30 * 86400.0;
    utc_text(t, wall, sizeof wall, 8);
    utc_text(t, utc, sizeof utc, 0);
    snprintf(at, sizeof at, "%s+08:00", wall);
    json_t *route =
        json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "case", cn, "party", party, "officer", officer,
                  "place", place, "note", note, "stage", "现场检查");
    char *rtext = json_dumps(route, JSON_COMPACT);
    memset(job, 0, sizeof *job);
    snprintf(job->root, sizeof job->root, "/srv/custody/uploads");
    snprintf(job->rel, sizeof job->rel, "%s/%s/%s", cn, officer, name);
    snprintf(job->route, sizeof job->route, "%s", rtext);
    snprintf(src, sizeof src, "%s/%s", job->root, job->rel);
    job->state = CS_JOB_CLAIMED;
    job->size = 1000000 + (int64_t)(r % 4000000);
    job->mtime_ns = (int64_t)(t + 1451606400) * 1000000000;
    job->ino = i + 1;
    json_t *detail = json_deep_copy(route);
    json_object_set_new(detail, "job", json_integer(0));
    cs_arrival_t a = {.sha256 = sha,
                      .size = (uint64_t)job->size,
                      .media_type = "image/jpeg",
                      .case_number = cn,
                      .party = party,
                      .original_name = name,
                      .source_path = src,
                      .actor = officer,
                      .user_id = 0,
                      .source_mtime_ns = job->mtime_ns,
                      .detail = detail};
    double plat = lat + (unit(r + 1) - 0.5) * 0.08, plon = lon + (unit(r + 2) - 0.5) * 0.08;
    json_t *rec =
        json_pack("{s:s, s:s, s:s, s:b, s:{s:f, s:f, s:f, s:s}, s:{s:s, s:s, s:s}, s:{s:i, s:i}}",
                  "captured_at", at, "captured_at_source", "exif:DateTimeOriginal",
                  "captured_at_utc", utc, "offset_known", 1, "gps", "lat", plat, "lon", plon, "alt",
                  12.0, "source", "exif", "device", "make", "HUAWEI", "model", "DSJ-V8", "serial",
                  officer, "image", "width", 4000, "height", 3000);
    json_object_set_new(rec, "captured_at_utc", json_sprintf("%sZ", utc));
    cs_arrival_result_t res;
    err = cs_jobs_stored(cat, job, &a, &res);
    if (err == 0)
        err = cs_jobs_extracted(cat, job, rec, NULL, CS_JOB_DONE);
    for (int n = 0; err == 0 && n < READS; n++) {
        json_t *e = read_entry(sha, cn, i * READS + n);
        err = e ? cs_catalog_ledger_append(cat, e, NULL) : CS_ENOMEM;
        json_decref(e);
    }
    json_decref(rec);
    json_decref(detail);
    json_decref(route);
    free(rtext);
    return err;
}

/* SCALE_PROBE=2: by statement (its SQL), the wall time SQLite measured, the thread's CPU time
 * since the statement before (so the C code that made its values too), the page cache misses
 * since then and the VM steps; the 16 that took most CPU, every 10,000 items. */
#define NPROF 256
static struct {
    char *sql;
    double ns, cpu;
    long steps, runs, miss;
} prof[NPROF];

static int
prof_cb(unsigned t, void *ctx, void *p, void *x)
{
    static double c0;
    static int m0;
    sqlite3_stmt *st = p;
    const char *sql = sqlite3_sql(st);
    int i, m = 0, hw;
    (void)ctx;
    if (t != SQLITE_TRACE_PROFILE || sql == NULL)
        return 0;
    for (i = 0; i < NPROF && prof[i].sql != NULL && strcmp(prof[i].sql, sql) != 0; i++)
        ;
    if (i == NPROF || (prof[i].sql == NULL && (prof[i].sql = strdup(sql)) == NULL))
        return 0;
    sqlite3_db_status(sqlite3_db_handle(st), SQLITE_DBSTATUS_CACHE_MISS, &m, &hw, 0);
    double c = cpu_s();
    prof[i].ns += (double)*(sqlite3_int64 *)x;
    prof[i].steps += sqlite3_stmt_status(st, SQLITE_STMTSTATUS_VM_STEP, 1);
    prof[i].runs++;
    prof[i].miss += m - m0;
    prof[i].cpu += c0 > 0 ? c - c0 : 0;
    m0 = m;
    c0 = c;
    return 0;
}

static void
prof_dump(long items)
{
    int shown[NPROF] = {0};
    for (int k = 0; k < 16; k++) {
        int b = -1;
        for (int i = 0; i < NPROF && prof[i].sql; i++)
            if (!shown[i] && prof[i].runs > 0 && (b < 0 || prof[i].cpu > prof[b].cpu))
                b = i;
        if (b < 0)
            break;
        shown[b] = 1;
        fprintf(stderr,
                "  cpu %.4f wall %.4f ms/item, %5.2f misses/item, %6.1f steps/run, %5.2f "
                "runs/item: %.80s\n",
                prof[b].cpu * 1e3 / items, prof[b].ns / 1e6 / items, (double)prof[b].miss / items,
                (double)prof[b].steps / prof[b].runs, (double)prof[b].runs / items, prof[b].sql);
    }
    for (int i = 0; i < NPROF && prof[i].sql; i++)
        prof[i].ns = prof[i].cpu = 0, prof[i].steps = prof[i].runs = prof[i].miss = 0;
}

/* SCALE_PROBE=1 (or 2): every 10,000 items, the thread's CPU time and SQLite's page cache hits,
 * misses (each a read of the file or the log) and writes an item over those items: what grows
 * with the catalog, whatever else the machine runs. */
static void
probe_window(cs_catalog_t *cat, long done)
{
    static double c0;
    static long d0;
    static int h0, m0, w0;
    int h = 0, m = 0, w = 0, hw;
    sqlite3_db_status(cat->db, SQLITE_DBSTATUS_CACHE_HIT, &h, &hw, 0);
    sqlite3_db_status(cat->db, SQLITE_DBSTATUS_CACHE_MISS, &m, &hw, 0);
    sqlite3_db_status(cat->db, SQLITE_DBSTATUS_CACHE_WRITE, &w, &hw, 0);
    double c = cpu_s(), k = (double)(done - d0);
    fprintf(stderr,
            "probe: %ld items, cpu %.3f ms/item, cache hits %.1f misses %.2f writes %.2f /item\n",
            done, (c - c0) * 1000 / k, (h - h0) / k, (m - m0) / k, (w - w0) / k);
    if (atoi(getenv("SCALE_PROBE")) == 2)
        prof_dump(done - d0);
    c0 = c, d0 = done, h0 = h, m0 = m, w0 = w;
}

static int
fill(cs_catalog_t *cat, const cs_home_t *home, long n)
{
    static cs_job_t job;
    double start = now_s(), last = start;
    long every = n / 10 < CKPT_EVERY ? n / 10 : CKPT_EVERY;
    int rc = 0;
    if (getenv("SCALE_PROBE") != NULL && atoi(getenv("SCALE_PROBE")) == 2)
        sqlite3_trace_v2(cat->db, SQLITE_TRACE_PROFILE, prof_cb, NULL);
    every = every < BATCH ? BATCH : every - every % BATCH;
    for (long i = 0; rc == 0 && i < n; i += BATCH) {
        if ((rc = cs_catalog_batch_begin(cat)) != 0)
            break;
        for (long j = i; rc == 0 && j < i + BATCH && j < n; j++)
            rc = file_one(cat, j, &job);
        rc = rc == 0 ? cs_catalog_batch_commit(cat) : rc;
        long done = i + BATCH < n ? i + BATCH : n;
        if (rc == 0 && done % every == 0 && done < n)
            rc = cs_ledger_checkpoint(cat, home, NULL);
        if (getenv("SCALE_PROBE") != NULL && done % 10000 == 0)
            probe_window(cat, done);
        if (now_s() - last > 30 || done == n) {
            last = now_s();
            fprintf(stderr, "fill: %ld items, %.0f items/s\n", done, done / (last - start));
        }
    }
    if (rc != 0)
        fprintf(stderr, "fill: %s: %s\n", cs_strerror(rc), cs_diag());
    return rc;
}

static int
cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double
pct(double *v, int n, double p)
{
    int i = (int)ceil(p * n) - 1;
    return v[i < 0 ? 0 : i >= n ? n - 1 : i];
}

static int
query(cs_catalog_t *cat, const char *kind, int count)
{
    long items = 0, cases;
    double *ms = calloc((size_t)count, sizeof *ms), rows = 0;
    double *cpu = calloc((size_t)count, sizeof *cpu);
    int rc = 0;
    json_t *out = NULL;
    /* How many items there are: the jobs done. */
    {
        json_t *st = NULL;
        if ((rc = cs_jobs_status(cat, &st)) != 0)
            return rc;
        items = (long)json_integer_value(json_object_get(json_object_get(st, "jobs"), "done"));
        json_decref(st);
    }
    cases = items / PER_CASE;
    if (ms == NULL || cpu == NULL || cases < 1)
        return CS_EINVAL;
    for (int q = 0; rc == 0 && q < count; q++) {
        uint64_t r = mix(0xC0FFEEULL + (uint64_t)q);
        long k = (long)(r % (uint64_t)cases);
        char cn[128], from[32], to[32], text[64];
        double lat, lon, day0;
        cs_search_t s = {.limit = 100};
        case_number(k, cn, sizeof cn);
        case_where(k, &lat, &lon, &day0);
        double t0 = now_s(), c0 = cpu_s();
        if (strcmp(kind, "timeline") == 0) {
            rc = cs_catalog_case_timeline(cat, cn, &out);
        } else {
            if (strcmp(kind, "case") == 0) {
                s.case_number = cn;
            } else if (strcmp(kind, "time") == 0) { /* a week */
                utc_text(unit(r + 5) * (YEARS * 365.0 - 7) * 86400.0, from, sizeof from, 0);
                from[10] = '\0';
                utc_text(unit(r + 5) * (YEARS * 365.0 - 7) * 86400.0 + 6 * 86400.0, to, sizeof to,
                         0);
                to[10] = '\0';
                s.from = from;
                s.to = to;
            } else if (strcmp(kind, "near") == 0) { /* 2 km around a random place */
                s.near = 1;
                s.lat = LAT0 + unit(r + 6) * (LAT1 - LAT0);
                s.lon = LON0 + unit(r + 7) * (LON1 - LON0);
                s.metres = 2000;
            } else if (strcmp(kind, "text") == 0) { /* a case's inspection record number */
                snprintf(text, sizeof text, "JC%06ld", k);
                s.text = text;
            } else if (strcmp(kind, "word") == 0 || strcmp(kind, "short") == 0) {
                /* a common word (in ~10% of the notes): of three characters or more (found
                 * by trigrams), or of two (found by a scan of the text) */
                int two = strcmp(kind, "short") == 0;
                const char *w = words[r % NWORDS];
                for (uint64_t t = 1; (strlen(w) == 6) != two; t++)
                    w = words[mix(r + t) % NWORDS];
                s.text = w;
            } else {
                return CS_EINVAL;
            }
            rc = cs_catalog_search(cat, &s, &out);
        }
        ms[q] = (now_s() - t0) * 1000;
        cpu[q] = (cpu_s() - c0) * 1000;
        rows += (double)json_array_size(out);
        json_decref(out);
        out = NULL;
    }
    if (rc != 0) {
        fprintf(stderr, "query %s: %s: %s\n", kind, cs_strerror(rc), cs_diag());
        return rc;
    }
    qsort(ms, (size_t)count, sizeof *ms, cmp_d);
    qsort(cpu, (size_t)count, sizeof *cpu, cmp_d);
    printf("%.2f %.2f %.2f %.1f %.2f %.2f\n", pct(ms, count, 0.5), pct(ms, count, 0.99),
           ms[count - 1], rows / count, pct(cpu, count, 0.5), pct(cpu, count, 0.99));
    free(ms);
    free(cpu);
    return 0;
}

static int
proofs(cs_catalog_t *cat, int count, int stored)
{
    cs_merkle_nodes_fn nodes = stored ? cs_ledger_nodes : NULL;
    uint8_t path[CS_MERKLE_PROOF_MAX][32];
    double *a = calloc((size_t)count, sizeof *a), *b = calloc((size_t)count, sizeof *b);
    int64_t size = 0;
    uint8_t root[32];
    size_t n;
    int rc;
    if (a == NULL || b == NULL)
        return CS_ENOMEM;
    if ((rc = cs_catalog_checkpoint_latest(cat, &size, root, NULL, NULL, NULL)) != 0 || size < 2)
        return rc ? rc : CS_EINVAL;
    for (int q = 0; rc == 0 && q < count; q++) {
        uint64_t r = mix(0xBEEFULL + (uint64_t)q);
        /* A leaf anywhere (an export's entries are old and new), and a consistency proof from an
         * earlier tree a witness might hold: the tail's last tenth. */
        uint64_t leaf = r % (uint64_t)size;
        uint64_t m = (uint64_t)size - 1 - (r >> 20) % (uint64_t)(size / 10 + 1);
        double t0 = now_s();
        rc = cs_merkle_inclusion_proof_nodes(cs_ledger_leaves, nodes, cat, leaf, (uint64_t)size,
                                             path, &n);
        double t1 = now_s();
        if (rc == 0)
            rc = cs_merkle_consistency_proof_nodes(cs_ledger_leaves, nodes, cat, m, (uint64_t)size,
                                                   path, &n);
        a[q] = (t1 - t0) * 1000;
        b[q] = (now_s() - t1) * 1000;
    }
    if (rc != 0) {
        fprintf(stderr, "proofs: %s: %s\n", cs_strerror(rc), cs_diag());
        return rc;
    }
    qsort(a, (size_t)count, sizeof *a, cmp_d);
    qsort(b, (size_t)count, sizeof *b, cmp_d);
    printf("%.2f %.2f %.2f %.2f\n", pct(a, count, 0.5), pct(a, count, 0.99), pct(b, count, 0.5),
           pct(b, count, 0.99));
    free(a);
    free(b);
    return 0;
}

int
main(int argc, char **argv)
{
    cs_home_t home;
    cs_catalog_t *cat = NULL;
    cs_catalog_opts_t opts = {.busy_timeout_ms = 10000};
    int rc;
    if (argc < 4 || cs_home_resolve(&home, argv[1]) != 0 ||
        cs_catalog_open(&cat, home.catalog, 0, &opts) != 0) {
        fprintf(stderr, "usage: %s HOME fill N | HOME query KIND COUNT | HOME proofs COUNT\n",
                argv[0]);
        return 2;
    }
    if (strcmp(argv[2], "fill") == 0)
        rc = fill(cat, &home, atol(argv[3]));
    else if (strcmp(argv[2], "query") == 0 && argc == 5)
        rc = query(cat, argv[3], atoi(argv[4]));
    else if (strcmp(argv[2], "proofs") == 0)
        rc = proofs(cat, atoi(argv[3]), 1);
    else if (strcmp(argv[2], "proofs-from-leaves") == 0)
        rc = proofs(cat, atoi(argv[3]), 0);
    else
        rc = 2;
    cs_catalog_close(&cat);
    return rc != 0;
}
