/* tools/retranscode.h: `custody retranscode --case|--all` (tools/retranscode_policy.c). */
#ifndef CS_TOOLS_RETRANSCODE_H
#define CS_TOOLS_RETRANSCODE_H

#include "tools/cli.h"

/** Applies the format policy to the items of `kase` (NULL: every item) where it now decides
 * otherwise than the item's latest decision: a new archival copy of the target, made, verified
 * and recorded (the old one current until the new one verifies), or the decision alone (keep,
 * review); each recorded and ledgered (policy.apply). `dry_run`: prints them only. Returns the
 * exit code (CS_EXIT_CHECK when a copy failed). */
int cs_retranscode_policy(cs_cli_t *cli, const char *kase, int dry_run);

#endif
