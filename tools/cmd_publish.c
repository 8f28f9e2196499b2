/* tools/cmd_publish.c: `custody publish` (register a decision for publication, publish it,
 * correct it, withdraw it) and `custody publications` (the register with each one's due date
 * and status). The rows and their ledger entries are indexer/publications.c's; who may act is
 * cs_access_case_editor's (cs_cli_case_editor); the due dates come from the home's holiday
 * calendar (core/workdays.h). */
#include "tools/cli.h"

#include "core/casenum.h"
#include "core/clock.h"
#include "core/embed.h"
#include "core/error.h"
#include "core/workdays.h"
#include "indexer/publications.h"
#include "tools/sitetime.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char publish_usage[] =
    "usage: custody publish CASE --decision D --kind penalty|other [--as USER]\n"
    "       custody publish release N [--with ITEM]... [--as USER]\n"
    "       custody publish correct N --reason TEXT [--with ITEM]... [--as USER]\n"
    "       custody publish withdraw N --category revoked|illegal|remade --reason TEXT\n"
    "                                  [--as USER]\n"
    "       custody publish site --out DIR   (the public page as a static site; see\n"
    "                                        custody publish site --help)\n"
    "  (each also takes --home DIR and --set k=v)\n"
    "Registers decision D of case CASE (its number, or 8 or more hex digits of its document's\n"
    "SHA-256) for publication (行政执法公示): a penalty decision is due within 7 working days\n"
    "of the decision, any other within 20, counted with the home's holiday calendar\n"
    "(holidays.txt; `custody calendar`). Prints the publication's number N.\n"
    "release publishes N: the approved public copy of its decision's document (the redacted\n"
    "text: custody public attach, approve) and of each ITEM of the case given with --with;\n"
    "what is published, with the hashes, is recorded and ledgered. correct publishes a new\n"
    "version for the reason given (inaccurate information is corrected at once); the old\n"
    "version's record stays.\n"
    "withdraw takes publication N down (撤下): revoked (撤销), confirmed illegal (确认违法) or\n"
    "to be remade (责令重新作出), with the reason. Clerks and admins act (the host's operator\n"
    "is an admin; --as USER acts as that user); every step is ledgered, a refused one too.\n";
static const char publications_usage[] =
    "usage: custody publications [--case CASE] [--status due|overdue|published|corrected|\n"
    "                            withdrawn] [--home DIR] [--json]\n"
    "Lists the publication register, newest first: each decision registered, its kind, its\n"
    "decision date and due date (\"provisional\" when the holiday calendar lacks a year it\n"
    "counts), and its status: due, overdue (not published and past its due date), published\n"
    "(\"late\" when after its due date), corrected or withdrawn.\n";
static const char calendar_usage[] =
    "usage: custody calendar [--built-in] [--home DIR]\n"
    "Says which holiday calendar counts working days here (the home's holidays.txt, else the\n"
    "built-in one), the years it covers, and whether this year's and next year's State Council\n"
    "notices are in it (exit 1 when this year's is not). --built-in prints the built-in\n"
    "calendar, to start the home's own: custody calendar --built-in > HOME/holidays.txt, then\n"
    "add each year's notice as its comments say.\n";

#define PUB_WITH_MAX 64 /* --with items of one version */

typedef struct pub_args {
    const char *decision, *kind, *category, *reason, *case_number, *status;
    const char *with[PUB_WITH_MAX];
    int nwith, builtin, too_many;
} pub_args_t;

static int
on_option(int c, const char *arg, void *ctx)
{
    pub_args_t *a = ctx;
    switch (c) {
    case 'd':
        a->decision = arg;
        break;
    case 'k':
        a->kind = arg;
        break;
    case 'g':
        a->category = arg;
        break;
    case 'r':
        a->reason = arg;
        break;
    case 'c':
        a->case_number = arg;
        break;
    case 's':
        a->status = arg;
        break;
    case 'B':
        a->builtin = 1;
        break;
    case 'w':
        if (a->nwith == PUB_WITH_MAX)
            a->too_many = 1;
        else
            a->with[a->nwith++] = arg;
        break;
    }
    return 0;
}

static const struct option opts[] = {CS_CLI_COMMON_OPTIONS,
                                     CS_CLI_READ_OPTIONS,
                                     {"decision", required_argument, NULL, 'd'},
                                     {"kind", required_argument, NULL, 'k'},
                                     {"category", required_argument, NULL, 'g'},
                                     {"reason", required_argument, NULL, 'r'},
                                     {"case", required_argument, NULL, 'c'},
                                     {"status", required_argument, NULL, 's'},
                                     {"built-in", no_argument, NULL, 'B'},
                                     {"with", required_argument, NULL, 'w'},
                                     {0, 0, 0, 0}};

/* A case number as the CLI was given it, normalised; 0 or the exit code. */
static int
case_arg(cs_cli_t *cli, const char *text, cs_casenum_t *cn)
{
    cs_casenum_rule_t *rule = NULL;
    int rc = cs_casenum_rule_new(&rule, cli->cfg.case_pattern);
    if (rc == 0)
        rc = cs_casenum_parse(rule, text, cn);
    cs_casenum_rule_free(&rule);
    return rc == 0 ? 0 : cs_cli_fail(cli, rc);
}

/* N, a publication's number; 0 or the exit code. */
static int
number_arg(cs_cli_t *cli, const char *text, int64_t *id)
{
    char *end = NULL;
    errno = 0;
    long long v = strtoll(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || v <= 0)
        return cs_cli_usage_error(cli,
                                  "N is a publication's number (custody publications), "
                                  "not \"%s\"",
                                  text);
    *id = v;
    return 0;
}

/* Refusals by the catalog's rules exit 1 with the reason; other failures as usual. */
static int
refused(cs_cli_t *cli, int rc)
{
    if (rc != CS_EINVAL && rc != CS_EEXIST)
        return cs_cli_fail(cli, rc);
    fprintf(stderr, "custody %s: refused: %s\n", cli->cmd, cs_diag());
    return CS_EXIT_CHECK;
}

static int
do_register(cs_cli_t *cli, const char *case_text, const pub_args_t *a)
{
    cs_access_who_t who;
    cs_casenum_t cn;
    int64_t id = 0;
    int rc;
    if (a->decision == NULL || a->kind == NULL)
        return cs_cli_usage_error(cli, "give --decision D and --kind penalty|other");
    if ((rc = case_arg(cli, case_text, &cn)) != 0)
        return rc;
    if ((rc = cs_cli_open(cli)) != 0)
        return cs_cli_fail(cli, rc);
    if ((rc = cs_cli_case_editor(cli, "publish.register", cn.text, &who)) != 0)
        return rc;
    rc = cs_catalog_publication_add(cli->cat, cn.text, a->decision, a->kind, cs_cli_site_tz(cli),
                                    who.name, &id);
    if (rc != 0)
        return refused(cli, rc);
    printf("%lld\n", (long long)id);
    fprintf(stderr,
            "publication %lld registered for case %s (ledgered as publish.register by "
            "%s); `custody publications` shows when it is due\n",
            (long long)id, cn.text, who.name);
    return 0;
}

/* The case of publication `id`, for the editor check and its refusal's ledger entry. */
static int
pub_case(cs_cli_t *cli, int64_t id, char *number, size_t size)
{
    int rc = cs_catalog_publication_case(cli->cat, id, number, size);
    if (rc == CS_ENOTFOUND) {
        fprintf(stderr, "custody %s: %s\n", cli->cmd, cs_diag());
        return CS_EXIT_USAGE;
    }
    return rc != 0 ? cs_cli_fail(cli, rc) : 0;
}

static int
do_withdraw(cs_cli_t *cli, const char *n, const pub_args_t *a)
{
    cs_access_who_t who;
    char number[CS_CASENUM_MAX];
    int64_t id = 0;
    int rc;
    if ((rc = number_arg(cli, n, &id)) != 0)
        return rc;
    if (a->category == NULL || a->reason == NULL)
        return cs_cli_usage_error(cli, "give --category revoked|illegal|remade and --reason");
    if ((rc = cs_cli_open(cli)) != 0)
        return cs_cli_fail(cli, rc);
    if ((rc = pub_case(cli, id, number, sizeof number)) != 0 ||
        (rc = cs_cli_case_editor(cli, "publish.withdraw", number, &who)) != 0)
        return rc;
    rc = cs_catalog_publication_withdraw(cli->cat, id, a->category, a->reason, cs_cli_site_tz(cli),
                                         who.name);
    if (rc != 0)
        return refused(cli, rc);
    printf("publication %lld withdrawn (%s; ledgered as publish.withdraw by %s)\n", (long long)id,
           a->category, who.name);
    return 0;
}

static int
do_release(cs_cli_t *cli, const char *n, const pub_args_t *a, int correct)
{
    cs_access_who_t who;
    char number[CS_CASENUM_MAX];
    json_t *content = NULL;
    int64_t id = 0;
    int rc, version = 0;
    if ((rc = number_arg(cli, n, &id)) != 0)
        goto out;
    if (a->too_many) {
        rc = cs_cli_usage_error(cli, "at most %d --with items a version", PUB_WITH_MAX);
        goto out;
    }
    if (correct && (a->reason == NULL || a->reason[0] == '\0')) {
        rc = cs_cli_usage_error(cli, "a correction states its reason: --reason TEXT");
        goto out;
    }
    if ((rc = cs_cli_open(cli)) != 0) {
        rc = cs_cli_fail(cli, rc);
        goto out;
    }
    if ((rc = pub_case(cli, id, number, sizeof number)) != 0 ||
        (rc = cs_cli_case_editor(cli, correct ? "publish.correct" : "publish.release", number,
                                 &who)) != 0)
        goto out;
    rc = cs_catalog_publication_content(cli->cat, id, a->with, (size_t)a->nwith, &content);
    if (rc == CS_ENOTFOUND) {
        fprintf(stderr, "custody %s: refused: %s\n", cli->cmd, cs_diag());
        rc = CS_EXIT_CHECK;
        goto out;
    }
    if (rc != 0) {
        rc = cs_cli_fail(cli, rc);
        goto out;
    }
    size_t nitems = json_array_size(json_object_get(content, "items"));
    rc = cs_catalog_publication_release(cli->cat, id, content, correct ? a->reason : NULL,
                                        cs_cli_site_tz(cli), who.name, &version);
    if (rc != 0) {
        rc = refused(cli, rc);
        goto out;
    }
    printf("publication %lld: version %d published (%zu item%s besides the decision; ledgered as "
           "%s by %s)\n",
           (long long)id, version, nitems, nitems == 1 ? "" : "s",
           correct ? "publish.correct" : "publish.release", who.name);
out:
    json_decref(content);
    return rc;
}

int
cs_cmd_publish(int argc, char **argv)
{
    cs_cli_t cli;
    pub_args_t a = {0};
    int rc;
    if (argc > 1 && strcmp(argv[1], "site") == 0) /* the public page: cmd_publish_site.c */
        return cs_cmd_publish_site(argc - 1, argv + 1);
    cs_cli_init(&cli, "publish", publish_usage);
    if ((rc = cs_cli_parse(&cli, argc, argv, opts, on_option, &a)) != 0)
        return rc;
    const char *verb = optind < argc ? argv[optind] : "";
    int has_verb = strcmp(verb, "withdraw") == 0 || strcmp(verb, "release") == 0 ||
                   strcmp(verb, "correct") == 0;
    if (argc - optind != 1 + has_verb)
        rc = cs_cli_usage_error(&cli, has_verb ? "name one publication N" : "name one CASE");
    else if ((rc = cs_cli_load(&cli)) != 0)
        rc = cs_cli_fail(&cli, rc);
    else if (strcmp(verb, "withdraw") == 0)
        rc = do_withdraw(&cli, argv[optind + 1], &a);
    else if (has_verb)
        rc = do_release(&cli, argv[optind + 1], &a, strcmp(verb, "correct") == 0);
    else
        rc = do_register(&cli, argv[optind], &a);
    cs_cli_close(&cli);
    return rc;
}

/* The home's calendar, and today at the site; 0 or the exit code. */
static int
calendar(cs_cli_t *cli, cs_workdays_t **cal, char *source, size_t size, char today[11])
{
    int rc = cs_workdays_home(cli->home.root, cal, source, size);
    if (rc != 0)
        return cs_cli_fail(cli, rc);
    cs_clock_site_date(cs_cli_site_tz(cli), cs_clock_now_ms(), today);
    return 0;
}

json_t *
cs_cli_publication_status(cs_cli_t *cli)
{
    json_t *reg = NULL, *out = NULL, *overdue = json_array(), *r;
    long long due = 0;
    size_t i;
    if (overdue == NULL || cs_publications_register(cli->cat, cli->home.root, cs_cli_site_tz(cli),
                                                    NULL, NULL, &reg, NULL) != 0) {
        out = json_pack("{s:s}", "error", cs_diag());
        goto done;
    }
    json_array_foreach(json_object_get(reg, "publications"), i, r)
    {
        const char *status = json_string_value(json_object_get(r, "status"));
        if (strcmp(status, "due") == 0)
            due++;
        else if (strcmp(status, "overdue") == 0)
            json_array_append(overdue, r);
    }
    out = json_pack("{s:I, s:I, s:O, s:O}", "due", (json_int_t)due, "overdue",
                    (json_int_t)json_array_size(overdue), "overdue_list", overdue, "calendar",
                    json_object_get(reg, "calendar"));
done:
    json_decref(overdue);
    json_decref(reg);
    return out;
}

void
cs_cli_print_publication_status(json_t *p)
{
    json_t *r;
    size_t i;
    if (json_is_string(json_object_get(p, "error"))) {
        printf("publish   cannot tell what is due: %s\n",
               json_string_value(json_object_get(p, "error")));
        return;
    }
    printf("publish   %lld due, %lld OVERDUE\n",
           (long long)json_integer_value(json_object_get(p, "due")),
           (long long)json_integer_value(json_object_get(p, "overdue")));
    json_array_foreach(json_object_get(p, "overdue_list"), i, r)
        printf("  OVERDUE publication %lld of %s: due %s%s (custody publications)\n",
               (long long)json_integer_value(json_object_get(r, "id")),
               json_string_value(json_object_get(r, "case")),
               json_string_value(json_object_get(r, "due_on")),
               json_is_true(json_object_get(r, "due_provisional")) ? " (provisional)" : "");
}

static void
print_row(json_t *r)
{
    json_t *w = json_object_get(r, "withdrawn");
    const char *status = json_string_value(json_object_get(r, "status"));
    printf("%-4lld %-10s %s  decided %s  due %s%s  %s%s",
           (long long)json_integer_value(json_object_get(r, "id")), status,
           json_string_value(json_object_get(r, "case")),
           json_string_value(json_object_get(r, "decided_on")),
           json_string_value(json_object_get(r, "due_on")),
           json_is_true(json_object_get(r, "due_provisional")) ? " (provisional)" : "",
           json_string_value(json_object_get(r, "kind")),
           json_is_true(json_object_get(r, "late")) ? "  published late" : "");
    if (json_is_object(w))
        printf("  withdrawn %s: %s", json_string_value(json_object_get(w, "on")),
               json_string_value(json_object_get(w, "category")));
    printf("\n");
}

int
cs_cmd_publications(int argc, char **argv)
{
    cs_cli_t cli;
    pub_args_t a = {0};
    cs_casenum_t cn;
    json_t *reg = NULL, *rows, *r;
    size_t i;
    int rc;
    cs_cli_init(&cli, "publications", publications_usage);
    if ((rc = cs_cli_parse(&cli, argc, argv, opts, on_option, &a)) != 0)
        return rc;
    if (optind != argc) {
        rc = cs_cli_usage_error(&cli, "no arguments besides the options");
        goto out;
    }
    if ((rc = cs_cli_load(&cli)) != 0) {
        rc = cs_cli_fail(&cli, rc);
        goto out;
    }
    if (a.case_number != NULL && (rc = case_arg(&cli, a.case_number, &cn)) != 0)
        goto out;
    if ((rc = cs_cli_open(&cli)) != 0 ||
        (rc = cs_publications_register(cli.cat, cli.home.root, cs_cli_site_tz(&cli),
                                       a.case_number ? cn.text : NULL, a.status, &reg, NULL)) !=
            0) {
        rc = cs_cli_fail(&cli, rc);
        goto out;
    }
    rows = json_object_get(reg, "publications");
    if (cli.json)
        cs_cli_print_json(rows, 0);
    else
        json_array_foreach(rows, i, r) print_row(r);
out:
    json_decref(reg);
    cs_cli_close(&cli);
    return rc;
}

int
cs_cmd_calendar(int argc, char **argv)
{
    cs_cli_t cli;
    pub_args_t a = {0};
    cs_workdays_t *cal = NULL;
    char source[4200], today[11];
    int rc, years[CS_WORKDAYS_YEARS_MAX], n, this_year, has_this = 0, has_next = 0;
    cs_cli_init(&cli, "calendar", calendar_usage);
    if ((rc = cs_cli_parse(&cli, argc, argv, opts, on_option, &a)) != 0)
        return rc;
    if (optind != argc) {
        rc = cs_cli_usage_error(&cli, "no arguments besides the options");
        goto out;
    }
    if (a.builtin) {
        const cs_embed_file_t *f =
            cs_embed_find(cs_data_files, cs_data_files_count, CS_WORKDAYS_BUILTIN);
        rc = f != NULL && fwrite(f->data, 1, f->len, stdout) == f->len && fflush(stdout) == 0
                 ? 0
                 : CS_EXIT_FAIL;
        goto out;
    }
    if ((rc = cs_cli_load(&cli)) != 0) {
        rc = cs_cli_fail(&cli, rc);
        goto out;
    }
    if ((rc = calendar(&cli, &cal, source, sizeof source, today)) != 0)
        goto out;
    this_year = atoi(today);
    n = cs_workdays_years(cal, years, CS_WORKDAYS_YEARS_MAX);
    printf("holiday calendar: %s\nyears:", source);
    for (int i = 0; i < n; i++) {
        printf(" %d", years[i]);
        has_this |= years[i] == this_year;
        has_next |= years[i] == this_year + 1;
    }
    printf("\n");
    if (!has_this || !has_next)
        printf("missing: %s%s%s: deadlines reaching it are provisional; add the State Council's "
               "notice to %s/%s\n",
               has_this ? "" : "this year", !has_this && !has_next ? " and " : "",
               has_next ? "" : "next year", cli.home.root, CS_WORKDAYS_HOME_FILE);
    rc = has_this ? 0 : CS_EXIT_CHECK;
out:
    cs_workdays_free(&cal);
    cs_cli_close(&cli);
    return rc;
}
