/* indexer/registry.h: the officers and devices registry (issue 22, part 4) and what ingest
 * resolved for each item: its officer and device with how each was found, the body-camera
 * name (ingest.name_pattern), the important mark (重点文件) and the flags a clerk sees.
 *
 * Who may change or read the registry is decided in access/ (cs_access_registry); these
 * functions only keep the rows, each change ledgered in its own transaction
 * (officer.add, officer.set, device.add, device.set). */
#ifndef CS_INDEXER_REGISTRY_H
#define CS_INDEXER_REGISTRY_H

#include "indexer/catalog.h"

#include <jansson.h>
#include <stdint.h>

/* A device's kinds, as stored. */
#define CS_DEVICE_KINDS "body_camera, camera, phone or recorder"

/* An officer's fields; NULL leaves a field as it is (set) or empty (add); "" empties an
 * optional one (set). Dates are YYYY-MM-DD, days of the site; `user` a Custody user's name. */
typedef struct cs_officer_fields {
    const char *name, *unit, *valid_from, *valid_to, *user;
} cs_officer_fields_t;

/* A device's fields, as cs_officer_fields_t; `holder` an officer's certificate number. */
typedef struct cs_device_fields {
    const char *model, *kind, *holder;
} cs_device_fields_t;

/** Adds the officer with certificate number `cert` (name required), ledgered officer.add by
 * `by`. CS_EEXIST when the number is registered, CS_ENOTFOUND for an unknown user, CS_EINVAL
 * for a bad date or valid_from after valid_to; each with a detail. */
int cs_catalog_officer_add(cs_catalog_t *cat, const char *cert, const cs_officer_fields_t *f,
                           const char *by);

/** Changes the officer `cert` (officer.set, with the fields changed). CS_ENOTFOUND when there
 * is no such officer; else as cs_catalog_officer_add. */
int cs_catalog_officer_set(cs_catalog_t *cat, const char *cert, const cs_officer_fields_t *f,
                           const char *by);

/** Adds the device `serial` (kind required), ledgered device.add. As the officer's. */
int cs_catalog_device_add(cs_catalog_t *cat, const char *serial, const cs_device_fields_t *f,
                          const char *by);

/** Changes the device `serial` (device.set). As the officer's. */
int cs_catalog_device_set(cs_catalog_t *cat, const char *serial, const cs_device_fields_t *f,
                          const char *by);

/** The officers (or with `cert`, that one only: CS_ENOTFOUND if none), ordered by number:
 * an array of {cert, name, unit, valid_from, valid_to, user, devices: [serial...], items}. */
int cs_catalog_officers(cs_catalog_t *cat, const char *cert, json_t **out);

/** The devices (or `serial` only), ordered by serial: an array of {serial, model, kind,
 * holder (certificate number), holder_name, items}. */
int cs_catalog_devices(cs_catalog_t *cat, const char *serial, json_t **out);

/** Ledgers a refused registry change (`action`, what it named, the reader's role, why). */
int cs_catalog_registry_refused(cs_catalog_t *cat, const char *action, const char *key,
                                const char *by, const char *role, const char *reason);

/** *important = 1 when the item `sha256` was marked important (重点文件) by its name, else 0.
 * CS_ENOTFOUND for an unknown item. For the retention class (the lead wires it in). */
int cs_cat_item_important(cs_catalog_t *cat, const char *sha256, int *important);

/** The flags of every item, counted by code: {"unregistered-officer": 2, ...} (codes with
 * none left out). */
int cs_catalog_registry_flag_counts(cs_catalog_t *cat, json_t **out);

/** Hours after capture beyond which an upload is flagged late (ingest.max_upload_delay_h;
 * 0: never); a catalog opens with 24. */
void cs_catalog_set_upload_delay(cs_catalog_t *cat, int hours);

/* Internal to indexer/ (jobs_extracted.c, query.c). */

/** Resolves the officer and device of item `item_id` from its arrival's route (`route`: the
 * job's route JSON text: "officer" its folder, "from_name" the groups cs_namepat_match found) and
 * its metadata record `rec` (device serial and model, capture time), works out its flags
 * (registry.h) and writes its item_registry row, inside the caller's transaction. A site
 * whose registry is empty gets no unregistered-officer or unregistered-device flags. */
int cs_cat_registry_resolve(cs_catalog_t *cat, int64_t item_id, const char *route, json_t *rec,
                            const char *now, const char *what);

/** Adds "registry" (officer, device, how each was found, name, important, flags) to the item
 * record `item` when the item has a row, inside the caller's read transaction. */
int cs_cat_registry_item(cs_catalog_t *cat, int64_t item_id, json_t *item, const char *what);

#endif
