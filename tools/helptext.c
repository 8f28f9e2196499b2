/* tools/helptext.c: a command's usage text, read back from its own --help, and its parts. */
#include "tools/helptext.h"

#include "core/error.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int
cs_helptext_capture(const cs_cli_command_t *c, char *buf, size_t size)
{
    char *argv[] = {(char *)c->name, "--help", NULL};
    int fds[2] = {-1, -1}, status = 0, rc = 0;
    size_t len = 0;
    pid_t pid;
    if (pipe2(fds, O_CLOEXEC) != 0) {
        cs_diag_set("cannot make a pipe: %s", strerror(errno));
        return cs_err_from_errno(errno);
    }
    fflush(NULL); /* the child must not print what this process has buffered */
    if ((pid = fork()) < 0) {
        rc = cs_err_from_errno(errno);
        cs_diag_set("cannot fork: %s", strerror(errno));
        goto out;
    }
    if (pid == 0) {
        /* --help prints the usage on stdout and exits 0 (cs_cli_common_option). */
        int null = open("/dev/null", O_WRONLY);
        if (dup2(fds[1], STDOUT_FILENO) < 0 || null < 0 || dup2(null, STDERR_FILENO) < 0)
            _exit(127);
        exit(c->fn(2, argv) == 0 ? 126 : 125); /* returning at all is not the usage */
    }
    close(fds[1]);
    fds[1] = -1;
    for (;;) {
        ssize_t n = read(fds[0], buf + len, size - 1 - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = cs_err_from_errno(errno);
            cs_diag_set("cannot read the usage of %s: %s", c->name, strerror(errno));
            break;
        }
        if (n == 0)
            break;
        len += (size_t)n;
        if (len == size - 1) {
            rc = CS_ENAMETOOLONG;
            cs_diag_set("the usage of %s is longer than %zu bytes", c->name, size - 1);
            break;
        }
    }
    buf[len] = '\0';
    close(fds[0]);
    fds[0] = -1;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (rc == 0 && (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || len == 0)) {
        cs_diag_set("`custody %s --help` did not print its usage and exit 0 (status %d)", c->name,
                    status);
        rc = CS_EUSAGE;
    }
out:
    if (fds[0] >= 0)
        close(fds[0]);
    if (fds[1] >= 0)
        close(fds[1]);
    return rc;
}

int
cs_helptext_main(int argc, char **argv, const char *name, const char *usage,
                 const char *const *choices, const char *what,
                 int (*write)(FILE *f, const char *arg))
{
    static const struct option longopts[] = {CS_CLI_COMMON_OPTIONS, {0, 0, 0, 0}};
    cs_cli_t cli;
    int rc, i = 0;
    cs_cli_init(&cli, name, usage);
    if ((rc = cs_cli_parse(&cli, argc, argv, longopts, NULL, NULL)) != 0)
        return rc;
    while (argc - optind == 1 && choices[i] != NULL && strcmp(argv[optind], choices[i]) != 0)
        i++;
    if (argc - optind != 1 || choices[i] == NULL)
        return cs_cli_usage_error(&cli, "%s", what);
    rc = write(stdout, choices[i]);
    if (rc == 0 && fflush(stdout) != 0)
        rc = CS_EIO;
    return rc != 0 ? cs_cli_fail(&cli, rc) : CS_EXIT_OK;
}

size_t
cs_helptext_synopsis_len(const char *text)
{
    const char *p = text, *nl;
    if (strncmp(p, "usage:", 6) != 0)
        return 0;
    while ((nl = strchr(p, '\n')) != NULL) {
        p = nl + 1;
        if (*p != ' ')
            break;
    }
    return nl == NULL ? strlen(text) : (size_t)(p - text);
}

/* 1 if the word (up to a space, ']' or the end) is a placeholder: DIR, k=v, a|b|c. */
static int
placeholder(const char *w, size_t n)
{
    if (n == 0 || w[0] == '-' || w[0] == '[')
        return 0;
    if (isupper((unsigned char)w[0]))
        return 1;
    return memchr(w, '|', n) != NULL || memchr(w, '=', n) != NULL;
}

/* Calls fn for each --option in text[0..len) not yet in `seen` (a '\n'-separated list). */
static void
options_in(const char *text, size_t len, char *seen, size_t seen_size,
           void (*fn)(const char *, const char *, void *), void *arg, int with_values)
{
    for (size_t i = 0; i + 2 < len; i++) {
        if (text[i] != '-' || text[i + 1] != '-' || !islower((unsigned char)text[i + 2]) ||
            (i > 0 && strchr(" [(`\n", text[i - 1]) == NULL))
            continue;
        char opt[64], val[128], key[68];
        size_t n = 0, v = 0;
        while (i + n < len && n < sizeof opt - 1 &&
               (islower((unsigned char)text[i + n]) || isdigit((unsigned char)text[i + n]) ||
                text[i + n] == '-'))
            n++;
        memcpy(opt, text + i, n);
        opt[n] = '\0';
        i += n;
        snprintf(key, sizeof key, "\n%s\n", opt); /* fits: 63 + 2 < 68 */
        if (strstr(seen, key) != NULL || strlen(seen) + n + 2 >= seen_size)
            continue;
        strcat(seen, key + 1);
        if (with_values && i < len && (text[i] == ' ' || text[i] == '=')) {
            const char *w = text + i + 1;
            while (i + 1 + v < len && v < sizeof val - 1 && !strchr(" ]\n", w[v]))
                v++;
            while (v > 0 && (w[v - 1] == '.' || w[v - 1] == ','))
                v--; /* "k=v]..." and "DIR," */
            if (!placeholder(w, v))
                v = 0;
            memcpy(val, w, v);
            val[v] = '\0';
        }
        fn(opt, v > 0 ? val : NULL, arg);
    }
}

void
cs_helptext_options(const char *text, void (*fn)(const char *, const char *, void *), void *arg)
{
    char seen[2048] = "\n";
    size_t syn = cs_helptext_synopsis_len(text);
    options_in(text, syn, seen, sizeof seen, fn, arg, 1);
    options_in(text + syn, strlen(text + syn), seen, sizeof seen, fn, arg, 0);
}

void
cs_helptext_verbs(const char *text, const char *name, void (*fn)(const char *, void *), void *arg)
{
    char lead[64], seen[512] = "|", verb[64], key[68];
    const char *end = text + cs_helptext_synopsis_len(text);
    int ln = snprintf(lead, sizeof lead, "custody %s ", name);
    if (ln < 0 || (size_t)ln >= sizeof lead)
        return;
    for (const char *line = text; line < end;) {
        const char *nl = memchr(line, '\n', (size_t)(end - line));
        const char *at = strstr(line, lead);
        line = nl != NULL ? nl + 1 : end;
        if (at == NULL || at >= line)
            continue;
        for (at += ln; islower((unsigned char)*at); at++) { /* add|list|... */
            size_t n = 0;
            while (n < sizeof verb - 1 && (islower((unsigned char)at[n]) || at[n] == '-'))
                n++;
            memcpy(verb, at, n);
            verb[n] = '\0';
            snprintf(key, sizeof key, "|%s|", verb); /* fits: 63 + 2 < 68 */
            if (strstr(seen, key) == NULL && strlen(seen) + n + 1 < sizeof seen) {
                strcat(seen, key + 1);
                fn(verb, arg);
            }
            at += n;
            if (*at != '|')
                break;
        }
    }
}
