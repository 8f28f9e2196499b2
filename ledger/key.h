/* ledger/key.h: the Ed25519 key that signs the ledger's checkpoints. */
#ifndef CS_LEDGER_KEY_H
#define CS_LEDGER_KEY_H

#define CS_KEY_ID_MAX 65 /* hex SHA-256 of the raw public key, and a NUL */

/** Makes a new Ed25519 key pair: the private key as PKCS#8 PEM at `key_path` (mode 0600,
 * written to a temporary name, fsynced, renamed) and the public key as PEM at `pub_path`
 * (0644). CS_EEXIST if `key_path` exists: a key is never replaced. */
int cs_ledger_key_create(const char *key_path, const char *pub_path);

/** Writes the key id (hex SHA-256 of the raw 32-byte public key) of the PEM public key at
 * `pub_path` into `id`. */
int cs_ledger_key_id(const char *pub_path, char id[CS_KEY_ID_MAX]);

#endif
