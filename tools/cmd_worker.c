/* tools/cmd_worker.c: `custody-worker`: one media worker on stdin/stdout, started by the
 * service (ingest/worker.c). A program of its own (tools/main_worker.c): see CS_WORKER_EXE.
 * uv_spawn has no hook to limit a child, so the worker limits itself, before it reads a byte of
 * input. */
#include "tools/cli.h"

#include "core/error.h"
#include "ingest/worker.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#define OPT_AS_MB 0x200
#define OPT_CPU_S 0x201

static const char usage_text[] =
    "usage: custody-worker --home DIR [--rlimit-as-mb N] [--rlimit-cpu-s N]\n"
    "Internal: the service starts these itself. Reads one JSON request a line on stdin and\n"
    "answers one JSON line on stdout (see ingest/worker.h) until stdin closes. The limits\n"
    "(address space in MiB, CPU time in seconds; 0: none) apply to this process only.\n";

typedef struct worker_args {
    cs_cli_t *cli;
    long as_mb, cpu_s;
} worker_args_t;

static int
on_option(int c, const char *arg, void *ctx)
{
    worker_args_t *a = ctx;
    char *end;
    long v;
    errno = 0;
    v = strtol(arg, &end, 10);
    if (errno != 0 || end == arg || *end != '\0' || v < 0 || v > INT_MAX)
        return cs_cli_usage_error(a->cli, "%s wants a whole number from 0 to %d, not \"%s\"",
                                  c == OPT_AS_MB ? "--rlimit-as-mb" : "--rlimit-cpu-s", INT_MAX,
                                  arg);
    if (c == OPT_AS_MB)
        a->as_mb = v;
    else
        a->cpu_s = v;
    return 0;
}

/* Under AddressSanitizer the process already maps terabytes of shadow memory, so the limit
 * is counted from what is mapped now; otherwise every worker would fail its first malloc. */
static rlim_t
address_space_in_use(void)
{
#if defined(__SANITIZE_ADDRESS__)
    unsigned long pages = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f != NULL) {
        if (fscanf(f, "%lu", &pages) != 1)
            pages = 0;
        fclose(f);
    }
    return (rlim_t)pages * (rlim_t)sysconf(_SC_PAGESIZE);
#else
    return 0;
#endif
}

static int
apply_limits(const worker_args_t *a)
{
    struct rlimit rl;
    if (a->as_mb > 0) {
        rl.rlim_cur = rl.rlim_max = address_space_in_use() + ((rlim_t)a->as_mb << 20);
        if (setrlimit(RLIMIT_AS, &rl) != 0) {
            cs_diag_set("cannot limit the address space to %ld MiB: %s", a->as_mb, strerror(errno));
            return cs_err_from_errno(errno);
        }
    }
    if (a->cpu_s > 0) {
        /* SIGXCPU at the soft limit; the kernel sends SIGKILL a second later. */
        rl.rlim_cur = (rlim_t)a->cpu_s;
        rl.rlim_max = (rlim_t)a->cpu_s + 1;
        if (setrlimit(RLIMIT_CPU, &rl) != 0) {
            cs_diag_set("cannot limit CPU time to %ld s: %s", a->cpu_s, strerror(errno));
            return cs_err_from_errno(errno);
        }
    }
    return 0;
}

int
cs_cmd_worker(int argc, char **argv)
{
    static const struct option longopts[] = {
        CS_CLI_COMMON_OPTIONS,
        {"rlimit-as-mb", required_argument, NULL, OPT_AS_MB},
        {"rlimit-cpu-s", required_argument, NULL, OPT_CPU_S},
        {0, 0, 0, 0},
    };
    cs_cli_t cli;
    worker_args_t args = {.cli = &cli};
    int rc;
    cs_cli_init(&cli, "worker", usage_text);
    if ((rc = cs_cli_parse(&cli, argc, argv, longopts, on_option, &args)) != 0)
        return rc;
    if (optind < argc)
        return cs_cli_usage_error(&cli, "unexpected argument \"%s\"", argv[optind]);
    if (cli.home_dir == NULL)
        return cs_cli_usage_error(&cli, "give the --home the worker serves");
    if ((rc = apply_limits(&args)) != 0)
        return cs_cli_fail(&cli, rc);
    return cs_worker_main(cli.home_dir);
}
