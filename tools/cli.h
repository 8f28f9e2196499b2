/* tools/cli.h: what every `custody` subcommand shares: common options, the home, the
 * config, opening the catalog and store, error reporting and exit codes. */
#ifndef CS_TOOLS_CLI_H
#define CS_TOOLS_CLI_H

#include "access/gate.h"
#include "core/config.h"
#include "core/home.h"
#include "indexer/catalog.h"
#include "ingest/worker.h"
#include "storage/store.h"

#include <getopt.h>
#include <limits.h>
#include <jansson.h>

/* Exit codes, the same for every subcommand. */
enum {
    CS_EXIT_OK = 0,    /* success */
    CS_EXIT_CHECK = 1, /* a check failed (verify) */
    CS_EXIT_USAGE = 2, /* bad usage or bad input */
    CS_EXIT_FAIL = 3,  /* could not complete: disk full, catalog locked or damaged, I/O */
};

#define CS_CLI_MAX_SETS 32

/* Long options every subcommand accepts; values 0x100.. are reserved for them. */
#define CS_CLI_OPT_HOME 0x100
#define CS_CLI_OPT_SET 0x101
#define CS_CLI_OPT_JSON 0x102
#define CS_CLI_OPT_HELP 'h'
#define CS_CLI_OPT_PURPOSE 0x103
#define CS_CLI_OPT_AS 0x104
#define CS_CLI_OPT_CONFIG 0x105

/* The options of commands that read records: every read states why, and may act as a user. */
#define CS_CLI_READ_OPTIONS                                                                        \
    {"purpose", required_argument, NULL, CS_CLI_OPT_PURPOSE},                                      \
    {                                                                                              \
        "as", required_argument, NULL, CS_CLI_OPT_AS                                               \
    }
#define CS_CLI_COMMON_OPTIONS                                                                      \
    {"home", required_argument, NULL, CS_CLI_OPT_HOME},                                            \
        {"set", required_argument, NULL, CS_CLI_OPT_SET},                                          \
        {"json", no_argument, NULL, CS_CLI_OPT_JSON},                                              \
        {"config", required_argument, NULL, CS_CLI_OPT_CONFIG},                                    \
    {                                                                                              \
        "help", no_argument, NULL, CS_CLI_OPT_HELP                                                 \
    }

typedef struct cs_cli {
    const char *cmd;   /* subcommand name, for messages */
    const char *usage; /* its usage text */
    const char *home_dir;
    const char *conf_path; /* --config FILE, else $CUSTODY_CONFIG, else <home>/custody.conf */
    const char *sets[CS_CLI_MAX_SETS];
    int nsets;
    int json;
    cs_home_t home;
    cs_config_t cfg;
    cs_catalog_t *cat;
    cs_store_t *store;
    int64_t ledger_size;    /* entries when opened: a command that appended signs a checkpoint */
    char actor[64];         /* the OS user running the command */
    const char *purpose;    /* --purpose */
    const char *as;         /* --as USER */
    cs_access_who_t reader; /* cli->as (or the operator) as the gate sees them, once known */
    int reader_known;
    int64_t seq;        /* the ledger entry of the last read cs_cli_gate decided */
    char exe[PATH_MAX]; /* this program, for media workers (cs_cli_worker_opts) */
    int loaded;         /* cs_cli_load has run */
} cs_cli_t;

typedef int (*cs_cmd_fn)(int argc, char **argv);

/* One subcommand of `custody`: its name, function and one-line summary. */
typedef struct cs_cli_command {
    const char *name;
    cs_cmd_fn fn;
    const char *summary;
} cs_cli_command_t;

/* The command table (tools/main.c), in the order `custody --help` lists it; the generators of
 * the manual and of shell completion (`custody man`, `custody completion`) are not in it. */
extern const cs_cli_command_t cs_cli_commands[];
extern const size_t cs_cli_ncommands;

/* The options commands share, and the exit codes, for `custody --help` and the manual:
 * {synopsis, help} pairs, ending with {NULL, NULL}. */
extern const char *const cs_cli_common_help[][2];
extern const char *const cs_cli_exit_help[][2];

/** Starts a subcommand's context. */
void cs_cli_init(cs_cli_t *cli, const char *cmd, const char *usage);

/** Handles a common option returned by getopt_long; returns 1 if it was one, 0 if not, or
 * -1 after printing an error (the command should exit CS_EXIT_USAGE). --help prints the
 * usage and exits 0. */
int cs_cli_common_option(cs_cli_t *cli, int c, const char *arg);

/** Parses argv with getopt_long: common options here, the others passed to fn(c, optarg,
 * ctx), which returns 0 or an exit code. Returns 0, or the exit code to leave with. */
int cs_cli_parse(cs_cli_t *cli, int argc, char **argv, const struct option *longopts,
                 int (*fn)(int c, const char *arg, void *ctx), void *ctx);

/** Resolves the home and loads its config with the --set overrides (once). */
int cs_cli_load(cs_cli_t *cli);

/** cs_cli_load, then opens the existing catalog and store. A home that was never
 * initialised is reported with the `custody init` command to run. */
int cs_cli_open(cs_cli_t *cli);

/* The media worker is a program of its own beside `custody`: only it links FFmpeg and libexif,
 * the parsers of untrusted files, so the service never maps them and every command starts
 * without loading them (about 140 shared libraries, 40 ms). */
#define CS_WORKER_EXE "custody-worker"

/* Where an installed `custody` (<prefix>/bin) finds it, relative to its own folder. */
#define CS_WORKER_INSTALLED_DIR "../lib/custody"

/** Writes the path of CS_WORKER_EXE to buf: the one in this program's folder (the build tree),
 * else the installed one in CS_WORKER_INSTALLED_DIR from it (/usr/bin/custody uses
 * /usr/lib/custody/custody-worker). CS_EIO if this program's path cannot be found,
 * CS_ENAMETOOLONG if the result does not fit. */
int cs_cli_worker_exe(char *buf, size_t size);

/** Fills *o for `count` media workers (0: one per core) from the config, with
 * cs_cli_worker_exe as their executable. CS_EIO if its path cannot be found. */
int cs_cli_worker_opts(cs_cli_t *cli, int count, cs_worker_opts_t *o);

/** The reader of this command: Custody user `as` (--as; an unknown name is refused by the
 * gate), or with `as` NULL the home's operator, recorded as the OS user. */
int cs_cli_who(cs_cli_t *cli, const char *as, cs_access_who_t *who);

/** Whether `who` (from cs_cli_who) is refused an act its role rule allowed or not (`allowed`):
 * 1 with why = "no Custody user named …", "user … is disabled", or "<only>; NAME is a ROLE";
 * 0 when the act may go ahead. The commands that change records ledger the refusal. */
int cs_cli_refused(const cs_access_who_t *who, int allowed, const char *only, char *why,
                   size_t size);

/** "cli:<OS user>" into buf. */
void cs_cli_client(const cs_cli_t *cli, char *buf, size_t size);

/** Asks the gate (access/) whether the reader (`as`, see cs_cli_who) may make `read` of item
 * sha256 or case case_number, with `how`'s action, object, profile and bytes (its channel,
 * purpose and client are set here), and appends the entry with a synced commit before
 * anything is shown. 0 when the read may go on (dec says how); otherwise it has printed why
 * and returns the exit code. */
int cs_cli_gate(cs_cli_t *cli, const char *as, cs_read_t read, const char *sha256,
                const char *case_number, cs_access_how_t *how, cs_access_decision_t *dec);

/** A read of records (action "view", "list", "search"; `sha256` the item read, or NULL; then
 * `case_number` the case listed, or NULL) by --as USER or the operator, through cs_cli_gate.
 * Returns 0 when the read may go on; otherwise it has printed why and returns the exit code. */
int cs_cli_retrieval(cs_cli_t *cli, const char *action, const char *sha256,
                     const char *case_number);

/** *ok = 1 when the reader (--as or the operator) may see item sha256 or, with sha256 NULL,
 * list case case_number: the gate asked without writing, for filtering what a list shows. */
int cs_cli_visible(cs_cli_t *cli, const char *sha256, const char *case_number, int *ok);

/** Keeps the members of `list` (objects) whose member `key` ("sha256" of an item, or "case")
 * names what the reader may see (cs_cli_visible). */
int cs_cli_filter(cs_cli_t *cli, json_t *list, const char *key);

/** Writes <home>/tmp/derive, where workers write copies before they are stored, to buf,
 * making the folders if needed. */
int cs_cli_derive_dir(cs_cli_t *cli, char *buf, size_t size);

/* A "transcode" request in a worker: the answer first (cs_worker_answer_cb fills it through
 * the same pointer); tty: progress is shown on stderr. */
typedef struct cs_cli_transcode {
    cs_worker_answer_t answer;
    int tty;
} cs_cli_transcode_t;

/** Runs the "transcode" request `req` in one media worker and waits for its answer in
 * c->answer (retranscode, public make). */
int cs_cli_transcode(cs_cli_t *cli, json_t *req, cs_cli_transcode_t *c);

/** Closes what cs_cli_open opened. */
void cs_cli_close(cs_cli_t *cli);

/** Prints "custody CMD: <detail>" for rc and returns the exit code for it. */
int cs_cli_fail(cs_cli_t *cli, int rc);

/** 0 and *who filled when the reader (cli->as, or the operator) may change the records of
 * case `number` (cs_access_case_editor); else prints why not, ledgers the attempt as
 * `action` denied, and returns the exit code. */
int cs_cli_case_editor(cs_cli_t *cli, const char *action, const char *number, cs_access_who_t *who);

/** The publication register as `status` shows it: {due, overdue, overdue_list, calendar}, or
 * {error} when it cannot be worked out (never NULL but for memory). */
json_t *cs_cli_publication_status(cs_cli_t *cli);
void cs_cli_print_publication_status(json_t *p);

/** Prints a usage error and returns CS_EXIT_USAGE. */
int cs_cli_usage_error(cs_cli_t *cli, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/** The exit code for a CS_E* code. */
int cs_cli_exit_code(int rc);

/** "" when n is 1, else "s": "1 item", "2 items". */
const char *cs_cli_s(long long n);

/** Prints a JSON value to stdout: pretty with a newline, or compact on one line. */
void cs_cli_print_json(json_t *v, int compact);

/* The subcommands. */
int cs_cmd_init(int argc, char **argv);
int cs_cmd_ingest(int argc, char **argv);
int cs_cmd_show(int argc, char **argv);
int cs_cmd_retranscode(int argc, char **argv);
int cs_cmd_user(int argc, char **argv);
int cs_cmd_grant(int argc, char **argv);
int cs_cmd_revoke(int argc, char **argv);
int cs_cmd_grants(int argc, char **argv);
int cs_cmd_classify(int argc, char **argv);
int cs_cmd_request(int argc, char **argv);
int cs_cmd_requests(int argc, char **argv);
int cs_cmd_publish(int argc, char **argv);
int cs_cmd_publish_site(int argc, char **argv); /* cmd_publish_site.c */
int cs_cmd_publications(int argc, char **argv);
int cs_cmd_calendar(int argc, char **argv);
int cs_cmd_dispose(int argc, char **argv);
int cs_cmd_officer(int argc, char **argv);
int cs_cmd_policy(int argc, char **argv);
int cs_cmd_device(int argc, char **argv);
int cs_cmd_register(int argc, char **argv);
int cs_cmd_get(int argc, char **argv);
int cs_cmd_ledger(int argc, char **argv);
int cs_cmd_cases(int argc, char **argv);
int cs_cmd_items(int argc, char **argv);
int cs_cmd_case(int argc, char **argv);
int cs_cmd_link(int argc, char **argv);
int cs_cmd_verify(int argc, char **argv);
int cs_cmd_config(int argc, char **argv);
int cs_cmd_serve(int argc, char **argv);
int cs_cmd_search(int argc, char **argv);
int cs_cmd_probe(int argc, char **argv);
int cs_cmd_status(int argc, char **argv);
int cs_cmd_retention(int argc, char **argv); /* cmd_retention.c: retention show|set */
int cs_cmd_hold(int argc, char **argv);      /* cmd_retention.c: hold ITEM|CASE, hold list */
int cs_cmd_release(int argc, char **argv);   /* cmd_retention.c: release a hold */
int cs_cmd_store(int argc, char **argv);

/* cmd_store.c: what status and show say of the store. */
/** {backend, ok, latency_ms, detail, object_lock, retain_days, requests, failures, retries}. */
json_t *cs_cli_store_health(cs_cli_t *cli);
/** Prints the health object as status's "store" line. */
void cs_cli_print_store_health(const json_t *h);
/** {backend, local, remote, size, lock_mode, retain_until, version} of one object, or with
 * "error" when the object store does not answer. */
json_t *cs_cli_store_object(cs_cli_t *cli, const char *sha256);
int cs_cmd_worker(int argc, char **argv);
int cs_cmd_export(int argc, char **argv);
int cs_cmd_evidence_list(int argc, char **argv);
int cs_cmd_verify_bag(int argc, char **argv);
int cs_cmd_backup(int argc, char **argv);
int cs_cmd_restore(int argc, char **argv);
int cs_cmd_man(int argc, char **argv);
int cs_cmd_completion(int argc, char **argv);
int cs_cmd_review(int argc, char **argv);
int cs_cmd_public(int argc, char **argv);
/* cmd_case_decide.c: `custody case decide`, dispatched by cs_cmd_case. */
int cs_cmd_case_decide(int argc, char **argv);
/* cmd_archive.c: `custody case archive`, dispatched by cs_cmd_case. */
int cs_cmd_case_archive(int argc, char **argv);
/* cmd_dat63.c: `custody dat63 ITEM | --case CASE`. */
int cs_cmd_dat63(int argc, char **argv);

#endif
