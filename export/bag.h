/* export/bag.h: checking an exported bag offline, and the ustar files bags travel in.
 *
 * Needs no home and no catalog: only the bag, SHA-256 and Ed25519. */
#ifndef CS_EXPORT_BAG_H
#define CS_EXPORT_BAG_H

#include <stddef.h>
#include <stdint.h>

typedef struct cs_bag_report {
    char problem[512];     /* "" when the bag verifies; else the first failure */
    char case_number[256]; /* External-Identifier */
    char origin[64];       /* the checkpoint's signer */
    uint64_t files, bytes; /* payload */
    uint64_t originals;    /* files in data/originals */
    uint64_t entries;      /* ledger entries proven */
    uint64_t tree_size;    /* the checkpoint's size */
    int64_t export_seq;    /* the export's own ledger entry */
    uint64_t opinions;     /* legal opinions whose signatures were checked (data/review/) */
    uint64_t records;      /* DA/T 63 records checked against the 文件目录 (data/archive/) */
} cs_bag_report_t;

/** Verifies the bag at `path` (a folder, or a .tar file that is unpacked into a temporary
 * folder first): bagit.txt, the required files, both manifests (every listed file present
 * and hashing right, no payload file unlisted), Payload-Oxum, each original against its name,
 * case.json and the export's own entry against bag-info.txt, each ledger entry's inclusion
 * proof against the checkpoint, and the checkpoint's signature against data/ledger/key.pem
 * and, when key_path is given, against that key too (which must be the same key). Returns 0
 * with rep->problem "" (verified) or set; a CS_E* code when the bag could not be read at all. */
int cs_bag_verify(const char *path, const char *key_path, cs_bag_report_t *rep);

/** A reviewer's key the bag's proven ledger says the home made: a "user.key" entry. */
typedef struct cs_bag_key {
    char key_id[65];
    char user[128];
} cs_bag_key_t;

/** Checks each legal opinion of the bag folder `root` (data/review/round-N.opinion.json)
 * against its signature (round-N.opinion.sig) and the reviewer's key in data/review/keys/,
 * and that key against keys[0..nkeys) (the proven "user.key" entries): its id must be one,
 * ledgered for the opinion's author. 0 when all verify (*opinions of them; none when the bag
 * has no review), 1 with `problem` naming the first that does not, or a CS_E* code when the
 * folder cannot be read. */
int cs_bag_verify_opinions(const char *root, const cs_bag_key_t *keys, size_t nkeys, char *problem,
                           size_t cap, uint64_t *opinions);

/** Checks a case archive's data/archive/ in the bag folder `root` (export/archive_verify.c):
 * the 文件目录 names each of the bag's `originals` once by its hash, every recording has its
 * DA/T 63 record, and each record gives the directory's SHA-256, size and 档号. 0 when they
 * agree or the bag is no archive (*records the records checked), 1 with `problem` set. */
int cs_bag_verify_archive(const char *root, uint64_t originals, char *problem, size_t cap,
                          uint64_t *records);

/** Writes the folder `dir` as a ustar file at `tar_path` (created, must not exist), its
 * entries named "<name>/<path in dir>". Long names use the ustar prefix field; files of
 * 8 GiB or more use the base-256 size field. */
int cs_tar_write(const char *dir, const char *name, const char *tar_path);

/** Unpacks the ustar file at tar_path into the existing empty folder `dir`: regular files
 * and folders only, names without "..", absolute paths or links. Writes the single top folder
 * name into top (size bytes). CS_ECORRUPT for anything else. */
int cs_tar_extract(const char *tar_path, const char *dir, char *top, size_t size);

#endif
