/* tools/helptext.h: each command's usage text, as `custody CMD --help` prints it, and the
 * parts the manual and the shell completion are made of. The usage texts live beside their
 * commands (tools/cmd_*.c); this reads them back rather than keeping a second copy. */
#ifndef CS_TOOLS_HELPTEXT_H
#define CS_TOOLS_HELPTEXT_H

#include "tools/cli.h"

#include <stddef.h>
#include <stdio.h>

#define CS_HELPTEXT_MAX 16384 /* longest usage text */

/** Writes what `custody <c->name> --help` prints to buf (NUL-terminated), by running the
 * command's --help in a child process. CS_ENAMETOOLONG if it does not fit, CS_EUSAGE (with a
 * detail) if the command does not print its usage and exit 0, else the error of the fork or
 * the pipe. */
int cs_helptext_capture(const cs_cli_command_t *c, char *buf, size_t size);

/** The length of the synopsis at the start of `text`: its "usage:" line and every line after
 * it that starts with a space. The rest is the description. */
size_t cs_helptext_synopsis_len(const char *text);

/** Calls fn(option, placeholder, arg) for each "--option" in `text`, in order, each once;
 * `placeholder` is the word after it ("DIR", "clerk|reviewer|auditor|admin") or NULL when
 * the option takes none. Both are NUL-terminated copies valid during the call. */
void cs_helptext_options(const char *text,
                         void (*fn)(const char *option, const char *placeholder, void *arg),
                         void *arg);

/** Calls fn(verb, arg) for each verb of a command with verbs ("custody user add|list",
 * "custody ledger show ..."): a lowercase word right after "custody <name>" in the synopsis,
 * split at '|', each once. */
void cs_helptext_verbs(const char *text, const char *name, void (*fn)(const char *verb, void *arg),
                       void *arg);

/** The body of a generator command (`custody man 1|5`, `custody completion bash`): parses the
 * common options, takes exactly one argument among `choices` (NULL-terminated; else prints
 * `what` and the usage), and writes write(stdout, argument). Returns the exit code. */
int cs_helptext_main(int argc, char **argv, const char *name, const char *usage,
                     const char *const *choices, const char *what,
                     int (*write)(FILE *f, const char *arg));

#endif
