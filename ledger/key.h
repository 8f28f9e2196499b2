/* ledger/key.h: Ed25519 keys: the one that signs the ledger's checkpoints, and the legal
 * reviewers' own keys that sign their opinions. */
#ifndef CS_LEDGER_KEY_H
#define CS_LEDGER_KEY_H

#include <stddef.h>

#define CS_KEY_ID_MAX 65 /* hex SHA-256 of the raw public key, and a NUL */

/** Makes a new Ed25519 key pair: the private key as PKCS#8 PEM at `key_path` (mode 0600,
 * written to a temporary name, fsynced, renamed) and the public key as PEM at `pub_path`
 * (0644). CS_EEXIST if `key_path` exists: a key is never replaced. */
int cs_ledger_key_create(const char *key_path, const char *pub_path);

/** Writes the key id (hex SHA-256 of the raw 32-byte public key) of the PEM public key at
 * `pub_path` into `id`. */
int cs_ledger_key_id(const char *pub_path, char id[CS_KEY_ID_MAX]);

#define CS_SIG_HEX_MAX 129 /* an Ed25519 signature in hex, and a NUL */
#define CS_PUB_PEM_MAX 256 /* an Ed25519 public key as PEM, and a NUL */

/** A person's signing key (a legal reviewer's): a new Ed25519 key pair, the private key as
 * PKCS#8 PEM at `key_path` (0600, never replaced: CS_EEXIST), the public key's PEM into
 * pub_pem (cap bytes) and its id into key_id. */
int cs_key_create_user(const char *key_path, char *pub_pem, size_t cap, char key_id[CS_KEY_ID_MAX]);

/** Signs the `len` bytes at msg with the PEM private key at key_path: the signature in hex
 * into sig_hex, the signer's key id into key_id. CS_ECRYPTO for a key it cannot use. */
int cs_key_sign(const char *key_path, const void *msg, size_t len, char sig_hex[CS_SIG_HEX_MAX],
                char key_id[CS_KEY_ID_MAX]);

/** 0 when sig_hex is pub_pem's signature of the `len` bytes at msg; CS_EMISMATCH when it is
 * not (or is no signature), CS_ECRYPTO for a key that is none. key_id (may be NULL) gets the
 * key's id. */
int cs_key_verify(const char *pub_pem, const void *msg, size_t len, const char *sig_hex,
                  char key_id[CS_KEY_ID_MAX]);

#endif
