/* access/addrlimit.h: failed password sign-ins counted per client address, so that one
 * address cannot lock accounts out at will. An address that has failed `max` times within
 * `window_s` seconds of its first counted failure is refused before its attempt is weighed:
 * the attempt then costs no scrypt work and does not count against any account. An attempt
 * in flight holds a slot, so parallel requests cannot overshoot `max`. In memory only (a
 * restart forgets every count); IPv6 addresses are counted by their /64 prefix, the block
 * one subscriber is given. Thread-safe. */
#ifndef CS_ACCESS_ADDRLIMIT_H
#define CS_ACCESS_ADDRLIMIT_H

#include <stddef.h>
#include <stdint.h>

#define CS_ADDRLIMIT_KEY_MAX 64 /* "2001:db8:1:2::/64", an IPv4 address: fit with their NUL */

typedef struct cs_addrlimit cs_addrlimit_t;

/** A table of at most `capacity` addresses (the oldest window is forgotten first when full),
 * `max` failures per `window_s` seconds. CS_EINVAL for a bound below 1, CS_ENOMEM. */
int cs_addrlimit_new(cs_addrlimit_t **out, int max, int window_s, size_t capacity);

/** Frees *l (NULL is fine) and leaves NULL behind. */
void cs_addrlimit_free(cs_addrlimit_t **l);

/** The key `client` ("http:<numeric address>" or a bare address) is counted under: the IPv4
 * address (an IPv4-mapped IPv6 address too), an IPv6 address's /64 as "<prefix>::/64", else
 * the text itself (cut). */
void cs_addrlimit_key(const char *client, char key[CS_ADDRLIMIT_KEY_MAX]);

/** Takes a slot for an attempt from `client` at now_ms: 0 when it may be weighed (call
 * cs_addrlimit_done after), else CS_EBUSY with *retry_s (>= 1) the seconds until it may try. */
int cs_addrlimit_take(cs_addrlimit_t *l, const char *client, int64_t now_ms, int *retry_s);

/** Gives back the slot of an attempt from `client` at now_ms: a success frees it, a failure
 * keeps it as a counted failure. *reached (may be NULL) is 1 when this failure is the `max`-th
 * of the window (the moment to ledger), *until_ms then when the window ends. */
void cs_addrlimit_done(cs_addrlimit_t *l, const char *client, int64_t now_ms, int failed,
                       int *reached, int64_t *until_ms);

#endif
