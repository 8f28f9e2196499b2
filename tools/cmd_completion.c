/* tools/cmd_completion.c: `custody completion bash`: a bash completion script made from the
 * command table, each command's usage text (its options, their placeholders and its verbs)
 * and the config table (the keys of --set). The package installs its output as
 * /usr/share/bash-completion/completions/custody. */
#include "tools/cli.h"
#include "tools/helptext.h"

#include "core/error.h"

#include <stdio.h>
#include <string.h>

static const char usage_text[] =
    "usage: custody completion bash\n"
    "Prints a bash completion script for custody: commands, each command's options and\n"
    "verbs, the configuration keys of --set, folders and files where they are expected.\n"
    "Try it with: source <(custody completion bash)\n";

/* The options every command accepts (CS_CLI_COMMON_OPTIONS), completed everywhere. */
static const char common_opts[] = "--home --config --set --json --help";

typedef struct words {
    FILE *f;
    int n;
} words_t;

static void
print_option(const char *option, const char *placeholder, void *arg)
{
    words_t *w = arg;
    (void)placeholder;
    if (strstr(common_opts, option) == NULL) /* the common ones are added once, after */
        fprintf(w->f, "%s%s", w->n++ ? " " : "", option);
}

static void
print_verb(const char *verb, void *arg)
{
    words_t *w = arg;
    fprintf(w->f, "%s%s", w->n++ ? " " : "", verb);
}

/* The completion of an option's value, by its placeholder: folders, files, a list of words,
 * the classification levels; nothing for free text. */
static void
print_value(const char *option, const char *placeholder, void *arg)
{
    FILE *f = arg;
    if (placeholder == NULL || strstr(common_opts, option) != NULL)
        return;
    fprintf(f, "        %s) ", option);
    if (strcmp(placeholder, "DIR") == 0) {
        fprintf(f, "_custody_dirs ;;\n");
    } else if (strncmp(placeholder, "FILE", 4) == 0 || strstr(placeholder, ".pem") != NULL) {
        fprintf(f, "_custody_files ;;\n");
    } else if (strcmp(placeholder, "LEVEL") == 0) {
        fprintf(f, "_custody_words '");
        for (int i = 0; cs_config_levels[i] != NULL; i++)
            fprintf(f, "%s%s", i ? " " : "", cs_config_levels[i]);
        fprintf(f, "' ;;\n");
    } else if (strchr(placeholder, '|') != NULL) {
        fprintf(f, "_custody_words '");
        for (const char *p = placeholder; *p; p++)
            fputc(*p == '|' ? ' ' : *p, f);
        fprintf(f, "' ;;\n");
    } else {
        fprintf(f, "COMPREPLY=() ;;\n"); /* free text: nothing to offer */
    }
}

static int
command(FILE *f, const cs_cli_command_t *c)
{
    char text[CS_HELPTEXT_MAX];
    int rc = cs_helptext_capture(c, text, sizeof text);
    if (rc != 0)
        return rc;
    words_t w = {.f = f};
    fprintf(f, "    %s)\n        opts='", c->name);
    cs_helptext_options(text, print_option, &w);
    fprintf(f, "%s%s'\n        verbs='", w.n ? " " : "", common_opts);
    w.n = 0;
    cs_helptext_verbs(text, c->name, print_verb, &w);
    fprintf(f, "'\n        case $prev in\n");
    cs_helptext_options(text, print_value, f);
    fprintf(f, "        *) false ;;\n        esac && return\n        ;;\n");
    return 0;
}

static int
script(FILE *f, const char *shell)
{
    cs_config_desc_t d;
    int rc;
    (void)shell; /* bash only, so far */
    fprintf(f, "# bash completion for custody(1); made by `custody completion bash` from the "
               "command table\n# and each command's --help: regenerate it, do not edit it.\n\n"
               "_custody_words() { COMPREPLY=($(compgen -W \"$1\" -- \"$cur\")); }\n"
               "_custody_dirs() { compopt -o filenames 2>/dev/null; "
               "COMPREPLY=($(compgen -d -- \"$cur\")); }\n"
               "_custody_files() { compopt -o filenames 2>/dev/null; "
               "COMPREPLY=($(compgen -f -- \"$cur\")); }\n\n"
               "_custody()\n{\n"
               "    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}\n"
               "    local opts verbs\n"
               "    COMPREPLY=()\n"
               "    if [ \"$COMP_CWORD\" -eq 1 ]; then\n"
               "        _custody_words '");
    for (size_t i = 0, n = 0; i < cs_cli_ncommands; i++)
        fprintf(f, "%s%s", n++ ? " " : "", cs_cli_commands[i].name);
    fprintf(f, " --help'\n        return\n    fi\n"
               "    case $prev in\n"
               "    --home) _custody_dirs; return ;;\n"
               "    --config) _custody_files; return ;;\n"
               "    --set)\n        compopt -o nospace 2>/dev/null\n        _custody_words '");
    for (size_t i = 0; cs_config_describe(i, &d) == 0; i++)
        fprintf(f, "%s%s=", i ? " " : "", d.name);
    fprintf(f, "'\n        return\n        ;;\n    esac\n    case ${COMP_WORDS[1]} in\n");
    for (size_t i = 0; i < cs_cli_ncommands; i++)
        if ((rc = command(f, &cs_cli_commands[i])) != 0)
            return rc;
    fprintf(f, "    *) return ;;\n    esac\n"
               "    if [[ $cur == -* ]]; then\n        _custody_words \"$opts\"\n"
               "    elif [ -n \"$verbs\" ] && [ \"$COMP_CWORD\" -eq 2 ]; then\n"
               "        _custody_words \"$verbs\"\n"
               "    else\n        _custody_files\n    fi\n}\n"
               "complete -F _custody custody\n");
    return ferror(f) ? CS_EIO : 0;
}

int
cs_cmd_completion(int argc, char **argv)
{
    static const char *const shells[] = {"bash", NULL};
    return cs_helptext_main(argc, argv, "completion", usage_text, shells, "name the shell: bash",
                            script);
}
