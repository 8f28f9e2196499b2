/* tools/cmd_ingest.c: `custody ingest`: store files and folders and link them to a case. */
#include "tools/cli.h"
#include "core/namepat.h"
#include "indexer/registry.h"
#include "tools/sitetime.h"

#include "core/casenum.h"
#include "core/error.h"
#include "ingest/ingest.h"
#include "ingest/walk.h"

#include <inttypes.h>
#include <stdlib.h>
#include <time.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char usage_text[] =
    "usage: custody ingest --case NO [--party NAME] [--as USER] [--home DIR] [--set k=v]...\n"
    "                      [--json] FILE|DIR...\n"
    "Stores each file unaltered (SHA-256 is its identity) and links it to case NO; folders\n"
    "are walked, skipping hidden and temporary names. Prints one line per file (with --json\n"
    "one JSON object per line): sha256, size, case, path. Bad files are reported and the\n"
    "rest go on; the exit status is then 2. Recordings and photos get their archival and\n"
    "access copies (transcode.profiles) before their line is printed; on a terminal a\n"
    "progress bar shows each recording's transcode. --as USER credits the files to Custody\n"
    "user USER (a clerk then reads what they brought in); without it, to the operator.\n";

/* Lines are printed in groups, after one sync of the catalog's log makes the group's commits
 * durable: what the clerk reads as stored is stored, with one sync per group instead of one
 * per file. No lock is held between files. */
#define GROUP_FILES 32
#define GROUP_MS 250
/* Files stored ahead while the one before is recorded (cs_store_prefetch). */
#define LOOKAHEAD 3

typedef struct ingest_run {
    cs_cli_t *cli;
    cs_ingest_ctx_t ctx;
    const char *case_number;
    const char *party;
    int64_t user_id;     /* --as: the Custody user credited with the files */
    char user_name[128]; /* their name */
    int failed;
    int fatal;
    char *pending[GROUP_FILES];
    size_t npending;
    char *ahead[LOOKAHEAD]; /* the last files given, stored ahead while one before is recorded */
    size_t nahead;
    struct timespec since; /* the first pending line */
} ingest_run_t;

static int
flush_lines(ingest_run_t *run)
{
    int rc = run->npending ? cs_catalog_sync(run->ctx.cat) : 0;
    for (size_t i = 0; i < run->npending; i++) {
        if (rc == 0)
            fputs(run->pending[i], stdout);
        free(run->pending[i]);
    }
    if (rc != 0) {
        cs_cli_fail(run->cli, rc);
        fprintf(stderr,
                "custody ingest: the last %zu files may not be recorded; run the same "
                "command again\n",
                run->npending);
        run->failed += (int)run->npending;
        run->fatal = rc;
    }
    run->npending = 0;
    fflush(stdout);
    return rc;
}

static long
ms_since(const struct timespec *t)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (now.tv_sec - t->tv_sec) * 1000 + (now.tv_nsec - t->tv_nsec) / 1000000;
}

static int
ingest_one(ingest_run_t *run, const char *path)
{
    cs_ingest_result_t res;
    cs_diag_clear();
    int rc = cs_ingest_file(&run->ctx, path, run->case_number, run->party, &res);
    if (rc != 0) {
        run->failed++;
        cs_cli_fail(run->cli, rc);
        if (cs_ingest_error_is_fatal(rc)) {
            run->fatal = rc;
            flush_lines(run); /* what was stored before the wall is reported */
            return rc;        /* the next file would meet the same wall */
        }
        return 0;
    }
    if (res.failure[0] != '\0')
        fprintf(stderr, "custody ingest: %s: stored, but %s\n", path, res.failure);
    if (res.damaged[0] != '\0')
        fprintf(stderr, "custody ingest: %s: stored as it came, but it is damaged: %s\n", path,
                res.damaged);
    if (res.derivatives_failed > 0)
        fprintf(stderr,
                "custody ingest: %s: stored, but %d of its %d copies failed; `custody show %.12s` "
                "says why, `custody retranscode %.12s` tries again\n",
                path, res.derivatives_failed, res.derivatives, res.sha256, res.sha256);
    char *line = NULL;
    if (run->cli->json) {
        json_t *o =
            json_pack("{s:s, s:I, s:s, s:s?, s:s, s:s, s:b, s:i, s:i}", "sha256", res.sha256,
                      "size", (json_int_t)res.size, "case", run->case_number, "party", run->party,
                      "media_type", res.media_type, "path", path, "new", res.item_created,
                      "derivatives", res.derivatives, "derivatives_failed", res.derivatives_failed);
        char *text = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
        if (text == NULL || asprintf(&line, "%s\n", text) < 0)
            line = NULL;
        free(text);
        json_decref(o);
    } else if (asprintf(&line, "%s  %" PRIu64 "  %s  %s%s\n", res.sha256, res.size,
                        run->case_number, path, res.item_created ? "" : "  (already stored)") < 0) {
        line = NULL;
    }
    if (line == NULL) {
        flush_lines(run);
        run->fatal = CS_ENOMEM;
        return CS_ENOMEM;
    }
    if (run->npending == 0)
        clock_gettime(CLOCK_MONOTONIC, &run->since);
    run->pending[run->npending++] = line;
    if (run->npending == GROUP_FILES || ms_since(&run->since) >= GROUP_MS)
        return flush_lines(run);
    return 0;
}

/* Each file is ingested when the walk has given the LOOKAHEAD next ones, which the store
 * meanwhile stores ahead (cs_store_prefetch): their hashing, writes and syncs (with s3, their
 * object-store round trips) overlap the record of this one. */
static int
on_file(const char *path, void *arg)
{
    ingest_run_t *run = arg;
    char *next = strdup(path);
    int rc = 0;
    if (next == NULL) {
        run->fatal = CS_ENOMEM;
        return CS_ENOMEM;
    }
    cs_store_prefetch(run->ctx.store, next); /* best effort: else stored in its turn */
    if (run->nahead == LOOKAHEAD) {
        char *first = run->ahead[0];
        memmove(run->ahead, run->ahead + 1, (LOOKAHEAD - 1) * sizeof run->ahead[0]);
        run->nahead--;
        rc = ingest_one(run, first);
        free(first);
    }
    run->ahead[run->nahead++] = next;
    return rc;
}

/* A progress bar on a terminal, redrawn in place; the line is cleared when the copy is done. */
static void
on_progress(void *arg, const char *name, double percent, double fps)
{
    (void)arg;
    const char *base = strrchr(name, '/');
    char bar[31];
    int filled = percent < 0 ? 0 : (int)(percent * 30 / 100);
    base = base ? base + 1 : name;
    for (int i = 0; i < 30; i++)
        bar[i] = i < filled ? '#' : '.';
    bar[30] = '\0';
    if (percent >= 100) {
        fprintf(stderr, "\r\033[K");
    } else if (percent < 0) {
        fprintf(stderr, "\r\033[Ktranscoding %.40s  %.0f fps", base, fps);
    } else {
        fprintf(stderr, "\r\033[Ktranscoding %.40s [%s] %3.0f%%  %.0f fps", base, bar, percent,
                fps);
    }
    fflush(stderr);
}

static void
on_skip(const char *path, int rc, const char *why, void *arg)
{
    ingest_run_t *run = arg;
    if (rc == 0) {
        fprintf(stderr, "custody ingest: skipped %s: %s\n", path, why);
        return;
    }
    run->failed++;
    fprintf(stderr, "custody ingest: %s\n", why);
}

static int
on_option(int c, const char *arg, void *ctx)
{
    ingest_run_t *run = ctx;
    if (c == 'c')
        run->case_number = arg;
    else if (c == 'p')
        run->party = arg;
    return 0;
}

int
cs_cmd_ingest(int argc, char **argv)
{
    static const struct option longopts[] = {CS_CLI_COMMON_OPTIONS,
                                             {"case", required_argument, NULL, 'c'},
                                             {"party", required_argument, NULL, 'p'},
                                             {"as", required_argument, NULL, CS_CLI_OPT_AS},
                                             {0, 0, 0, 0}};
    cs_cli_t cli;
    cs_namepat_t *names = NULL;
    cs_casenum_rule_t *rule = NULL;
    cs_casenum_t cn;
    const char *case_arg = NULL;
    ingest_run_t run = {.cli = &cli};
    uv_loop_t loop;
    cs_worker_opts_t wopts;
    cs_derive_opts_t dopts;
    char derive_dir[PATH_MAX];
    int loop_ready = 0;
    int rc = 0;
    cs_cli_init(&cli, "ingest", usage_text);
    if ((rc = cs_cli_parse(&cli, argc, argv, longopts, on_option, &run)) != 0)
        return rc;
    case_arg = run.case_number;
    if (case_arg == NULL)
        return cs_cli_usage_error(&cli, "--case NO is required");
    if (optind >= argc)
        return cs_cli_usage_error(&cli, "name at least one FILE or DIR");
    if (run.party != NULL && run.party[0] == '\0')
        return cs_cli_usage_error(&cli, "--party must not be empty");
    if ((rc = cs_cli_load(&cli)) != 0 ||
        (rc = cs_casenum_rule_new(&rule, cli.cfg.case_pattern)) != 0 ||
        (rc = cs_casenum_parse(rule, case_arg, &cn)) != 0 ||
        (rc = cs_namepat_new("ingest.name_pattern", cli.cfg.ingest_name_pattern, &names)) != 0 ||
        (rc = cs_cli_open(&cli)) != 0)
        goto out;
    cs_catalog_set_upload_delay(cli.cat, cli.cfg.ingest_max_upload_delay_h);
    run.case_number = cn.text;
    if (cli.as != NULL) {
        cs_user_t u;
        if ((rc = cs_catalog_user_by_name(cli.cat, cli.as, &u)) != 0 || u.disabled) {
            cs_diag_set("--as %s: no enabled Custody user of that name (custody user list)",
                        cli.as);
            rc = CS_EINVAL;
            goto out;
        }
        run.user_id = u.id;
        snprintf(run.user_name, sizeof run.user_name, "%s", u.name); /* fits: both 128 */
    }
    uv_loop_init(&loop);
    loop_ready = 1;
    /* One media worker, as the service runs them: what is ingested here is parsed in a
     * separate, limited process too. It starts at the first file worth parsing. */
    if ((rc = cs_cli_worker_opts(&cli, 1, &wopts)) != 0 ||
        (rc = cs_cli_derive_dir(&cli, derive_dir, sizeof derive_dir)) != 0)
        goto out;
    dopts = cs_derive_opts_of(&cli.cfg);
    run.ctx = (cs_ingest_ctx_t){.store = cli.store,
                                .cat = cli.cat,
                                .rule = rule,
                                .actor = cli.as ? run.user_name : cli.actor,
                                .user_id = run.user_id,
                                .default_tz = cli.cfg.ingest_default_tz,
                                .names = names,
                                .site = cs_cli_site_tz(&cli),
                                .loop = &loop,
                                .worker_opts = &wopts,
                                .derive_opts = &dopts,
                                .derive_dir = derive_dir,
                                .progress = isatty(STDERR_FILENO) ? on_progress : NULL};
    cs_walk_ops_t ops = {.file = on_file, .skip = on_skip, .arg = &run};
    for (int i = optind; i < argc && run.fatal == 0; i++)
        cs_walk(argv[i], &ops);
    for (size_t i = 0; i < run.nahead; i++) {
        if (run.fatal == 0)
            ingest_one(&run, run.ahead[i]);
        free(run.ahead[i]);
    }
    flush_lines(&run);
out:
    if (loop_ready) {
        cs_ingest_finish(&run.ctx);
        uv_loop_close(&loop);
    }
    cs_casenum_rule_free(&rule);
    cs_namepat_free(&names);
    if (rc != 0) {
        int code = cs_cli_fail(&cli, rc);
        cs_cli_close(&cli);
        return code;
    }
    cs_cli_close(&cli);
    if (run.fatal != 0)
        return cs_cli_exit_code(run.fatal);
    return run.failed ? CS_EXIT_USAGE : CS_EXIT_OK;
}
