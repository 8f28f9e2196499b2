/* tools/cmd_man.c: `custody man 1|5`: the manual pages custody(1) and custody.conf(5) as roff,
 * made from what --help prints (the command table, each command's usage text, the common
 * options and exit codes) and from the config table, so that the two never disagree. The build
 * runs it (CMakeLists.txt); the package installs its output. */
#include "tools/cli.h"
#include "tools/helptext.h"

#include "core/error.h"
#include "core/utf8.h"

#include <stdio.h>
#include <string.h>

#ifndef CUSTODY_VERSION
#define CUSTODY_VERSION "dev"
#endif

static const char usage_text[] =
    "usage: custody man 1|5\n"
    "Prints the manual page custody(1) (every command, its usage and options) or\n"
    "custody.conf(5) (every configuration key, its type, range, default and meaning) as roff,\n"
    "for `man -l -` or for packaging.\n";

/* Writes n bytes of s as roff text: backslashes escaped, a '-' that starts an option as a
 * minus, a control character at the start of a line made plain, and every character beyond
 * ASCII as \[uXXXX] (groff and mandoc read that whatever the page's encoding). `skip` drops
 * up to that many leading spaces of each line (the synopsis's "usage: " indentation). */
static void
roff(FILE *f, const char *s, size_t n, size_t skip)
{
    int bol = 1;
    size_t skipped = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (bol && c == ' ' && skipped < skip) {
            skipped++;
            continue;
        }
        if (bol && (c == '.' || c == '\''))
            fputs("\\&", f);
        bol = 0;
        uint32_t cp;
        size_t len = (unsigned char)c < 0x80
                         ? 0
                         : cs_utf8_next((const unsigned char *)s + i, n - i, &cp, NULL);
        if (len > 0) {
            fprintf(f, "\\[u%04X]", (unsigned)cp);
            i += len - 1;
        } else if (c == '\\')
            fputs("\\e", f);
        else if (c == '-' && (i == 0 || strchr(" [(|`-\n", s[i - 1]) != NULL))
            fputs("\\-", f);
        else
            fputc(c, f);
        if (c == '\n') {
            bol = 1;
            skipped = 0;
        }
    }
}

static void
roff_str(FILE *f, const char *s)
{
    roff(f, s, strlen(s), 0);
}

/* A config help text: its continuation lines lose the file's "# ". */
static void
roff_help(FILE *f, const char *help)
{
    for (const char *p = help; *p != '\0';) {
        const char *nl = strstr(p, "\n# ");
        size_t n = nl != NULL ? (size_t)(nl - p) + 1 : strlen(p);
        roff(f, p, n, 0);
        p += n + (nl != NULL ? 2 : 0);
    }
    fputc('\n', f);
}

/* One command: its summary, its synopsis as printed, and its description. */
static int
command(FILE *f, const cs_cli_command_t *c)
{
    char text[CS_HELPTEXT_MAX];
    int rc = cs_helptext_capture(c, text, sizeof text);
    if (rc != 0)
        return rc;
    size_t syn = cs_helptext_synopsis_len(text);
    fprintf(f, ".SS ");
    roff_str(f, c->name);
    fprintf(f, "\n");
    roff_str(f, c->summary);
    fprintf(f, ".\n.PP\n.nf\n.RS 4\n");
    if (syn > 6)
        roff(f, text + 6, syn - 6, 7); /* "usage:" away, the lines below kept aligned */
    fprintf(f, ".RE\n.fi\n.PP\n");
    roff_str(f, text + syn);
    return 0;
}

static int
page_custody(FILE *f)
{
    int rc;
    fprintf(f,
            ".\\\" custody(1), made by `custody man 1` from the same sources as --help.\n"
            ".TH CUSTODY 1 \"\" \"custody %s\" \"Custody manual\"\n"
            ".SH NAME\n"
            "custody \\- keep evidence records: store originals, catalog, ledger, serve\n"
            ".SH SYNOPSIS\n"
            ".B custody\n.I COMMAND\n.RI [ OPTION ...]\n.RI [ ARGUMENT ...]\n"
            ".br\n.B custody\n.B \\-\\-help\n"
            ".SH DESCRIPTION\n"
            "Custody keeps the audio, video and photo records of administrative law\n"
            "enforcement: it stores each original unaltered under its SHA\\-256, catalogs it in\n"
            "SQLite, links it to its case number and party, and records every custody event\n"
            "and every read in a signed, append\\-only ledger.\n"
            ".B custody serve\n"
            "is the service (watched upload folders and the HTTP API);\n"
            "the other commands are the command line of the same home.\n"
            "Media files are parsed only by\n.BR custody\\-worker ,\n"
            "in processes of their own.\n"
            ".SH COMMANDS\n",
            CUSTODY_VERSION);
    for (size_t i = 0; i < cs_cli_ncommands; i++)
        if ((rc = command(f, &cs_cli_commands[i])) != 0)
            return rc;
    fprintf(f, ".SH COMMON OPTIONS\n");
    for (size_t i = 0; cs_cli_common_help[i][0] != NULL; i++) {
        fprintf(f, ".TP\n.B ");
        roff_str(f, cs_cli_common_help[i][0]);
        fprintf(f, "\n");
        roff_str(f, cs_cli_common_help[i][1]);
        fprintf(f, "\n");
    }
    fprintf(f, ".SH ENVIRONMENT\n"
               ".TP\n.B CUSTODY_HOME\nThe home folder when no \\-\\-home is given.\n"
               ".TP\n.B CUSTODY_CONFIG\nThe configuration file when no \\-\\-config is given "
               "(the package's service uses /etc/custody/custody.conf).\n"
               ".TP\n.B NOTIFY_SOCKET\n"
               "Set by systemd for a Type=notify service: custody serve sends READY=1 once it "
               "listens and watches, STATUS=, and STOPPING=1 when it stops (sd_notify(3)).\n"
               ".TP\n.BR WATCHDOG_USEC ,\\ WATCHDOG_PID\n"
               "Set by systemd for WatchdogSec=: custody serve sends WATCHDOG=1 twice per "
               "interval from its event loop.\n"
               ".TP\n.B TMPDIR\nWhere verify\\-bag unpacks a bag given as a .tar file.\n"
               ".SH FILES\n"
               ".TP\n.I /etc/custody/custody.conf\n"
               "The configuration of the packaged service; see custody.conf(5).\n"
               ".TP\n.I /var/lib/custody\n"
               "The packaged service's home: custody.conf (a link to the file above), "
               "catalog.db, store/, uploads/, receipts/, ledger.key (0600) and ledger.pub, "
               "serve.lock, tmp/.\n"
               ".TP\n.I /usr/lib/custody/custody\\-worker\n"
               "The media worker (beside custody in a build tree).\n"
               ".TP\n.I /lib/systemd/system/custody.service\nThe systemd unit.\n"
               ".SH EXIT STATUS\n");
    for (size_t i = 0; cs_cli_exit_help[i][0] != NULL; i++) {
        fprintf(f, ".TP\n.B %s\n", cs_cli_exit_help[i][0]);
        roff_str(f, cs_cli_exit_help[i][1]);
        fprintf(f, "\n");
    }
    fprintf(f, ".SH SEE ALSO\n.BR custody.conf (5),\n.BR systemd.service (5),\n"
               ".BR sd_notify (3)\n");
    return ferror(f) ? CS_EIO : 0;
}

static void
choices(FILE *f, const char *const *c, const char *sep)
{
    for (int i = 0; c[i] != NULL; i++) {
        fputs(i ? sep : "", f);
        fprintf(f, "\\fB");
        roff_str(f, c[i]);
        fprintf(f, "\\fR");
    }
}

static int
page_conf(FILE *f)
{
    cs_config_desc_t d;
    const char *last = "";
    size_t last_len = 0;
    fprintf(f,
            ".\\\" custody.conf(5), made by `custody man 5` from the config table.\n"
            ".TH CUSTODY.CONF 5 \"\" \"custody %s\" \"Custody manual\"\n"
            ".SH NAME\n"
            "custody.conf \\- the configuration of a Custody home\n"
            ".SH SYNOPSIS\n"
            ".I /etc/custody/custody.conf\n"
            "(the package), or\n.IR HOME /custody.conf\n"
            ".SH DESCRIPTION\n"
            "An INI file:\n.B [section]\nheaders, then\n.B key = value\n"
            "lines; a line starting with # or ; is a comment, and a value may be written in\n"
            "double quotes. A key below is written\n.I section.key\n"
            "as in\n.BR \"custody \\-\\-set section.key=value\" ,\n"
            "which overrides the file for one command. A key left out keeps its default;\n"
            "an unknown key, a value of the wrong type or out of its range is refused with\n"
            "the file, line and key named.\n"
            ".B custody init\n"
            "writes the file with every key commented out at its default, as\n"
            ".B custody config \\-\\-defaults\n"
            "prints it;\n.B custody config\nprints the values in force.\n"
            ".B custody serve\nreads the file again on SIGHUP.\n"
            ".SH KEYS\n",
            CUSTODY_VERSION);
    for (size_t i = 0; cs_config_describe(i, &d) == 0; i++) {
        const char *dot = strchr(d.name, '.');
        size_t slen = dot != NULL ? (size_t)(dot - d.name) : strlen(d.name);
        if (slen != last_len || strncmp(last, d.name, slen) != 0)
            fprintf(f, ".SS [%.*s]\n", (int)slen, d.name);
        last = d.name;
        last_len = slen;
        fprintf(f, ".TP\n.B ");
        roff_str(f, d.name);
        fprintf(f, "\n");
        roff_help(f, d.help);
        fprintf(f, ".br\n");
        switch (d.kind) {
        case CS_CONFIG_INT:
            fprintf(f, "An integer, %lld..%lld", d.min, d.max);
            break;
        case CS_CONFIG_ONE_OF:
            fprintf(f, "One of ");
            choices(f, d.choices, ", ");
            break;
        case CS_CONFIG_SOME_OF:
            fprintf(f, "Some of ");
            choices(f, d.choices, ", ");
            fprintf(f, ", comma\\-separated, each once, or empty");
            break;
        case CS_CONFIG_TEXT:
            fprintf(f, "Text, %lld..%lld bytes", d.min, d.max);
            break;
        }
        if (d.def[0] == '\0') {
            fprintf(f, "; default empty.\n");
        } else {
            fprintf(f, "; default \\fB");
            roff_str(f, d.def);
            fprintf(f, "\\fR.\n");
        }
    }
    fprintf(f, ".SH SEE ALSO\n.BR custody (1)\n");
    return ferror(f) ? CS_EIO : 0;
}

static int
page(FILE *f, const char *section)
{
    return strcmp(section, "1") == 0 ? page_custody(f) : page_conf(f);
}

int
cs_cmd_man(int argc, char **argv)
{
    static const char *const sections[] = {"1", "5", NULL};
    return cs_helptext_main(argc, argv, "man", usage_text, sections,
                            "name the section: 1 (custody) or 5 (custody.conf)", page);
}
