/* core/config.h: the one table of configuration keys, the INI file and --set overrides.
 *
 * Every key has a name ("section.key"), a type, bounds and a default in one table
 * (core/config.c). Modules receive the plain cs_config_t and never read the file.
 */
#ifndef CS_CORE_CONFIG_H
#define CS_CORE_CONFIG_H

#include <stdio.h>

#define CS_CONFIG_STR_MAX 512
#define CS_CONFIG_REGISTER_COLUMNS                                                                 \
    "case,kind,procedure,cause,parties,officers,filed,decided,served,closed,status,items,reference"

typedef enum { CS_AFTER_CONSUME, CS_AFTER_ARCHIVE } cs_ingest_after_t;
typedef enum { CS_BACKEND_LOCAL, CS_BACKEND_S3 } cs_store_backend_t;
typedef enum { CS_LOCK_OFF, CS_LOCK_COMPLIANCE, CS_LOCK_GOVERNANCE } cs_store_lock_t;

typedef struct cs_config {
    char site_tz[64];                     /* site.tz: "" = the system's zone, or a zone name */
    char case_pattern[CS_CONFIG_STR_MAX]; /* case.pattern */
    char case_register_columns[CS_CONFIG_STR_MAX];     /* case.register_columns */
    char archive_reference_pattern[CS_CONFIG_STR_MAX]; /* archive.reference_pattern (档号) */
    char archive_fonds[64];                            /* archive.fonds: 全宗号 */
    char archive_class[64];                            /* archive.class: 类别 */
    int catalog_busy_timeout_ms;                       /* catalog.busy_timeout_ms */
    int store_buffer_kb;                               /* store.buffer_kb */
    int store_scrub_days;                              /* store.scrub_days: 0 = no scrub */
    int store_scrub_mb_s;                              /* store.scrub_mb_s */
    int store_scrub_window_s;                          /* store.scrub_window_s: 0 = scrub_days */
    int store_backend;                                 /* store.backend: cs_store_backend_t */
    char store_s3_endpoint[CS_CONFIG_STR_MAX];         /* store.s3_endpoint: http(s)://host:port */
    char store_s3_bucket[64];                          /* store.s3_bucket */
    char store_s3_region[64];                          /* store.s3_region */
    char store_s3_credentials[CS_CONFIG_STR_MAX];      /* store.s3_credentials: a 0600 file */
    int store_s3_addressing;                           /* store.s3_addressing: 0 path, 1 virtual */
    char store_s3_prefix[128];                         /* store.s3_prefix: before each key */
    int store_s3_part_mb;                              /* store.s3_part_mb: multipart above this */
    int store_s3_object_lock;                          /* store.s3_object_lock: cs_store_lock_t */
    int store_s3_retain_days;                          /* store.s3_retain_days */
    int store_s3_timeout_s;                            /* store.s3_timeout_s */
    int store_s3_cache_mb;                             /* store.s3_cache_mb: local copies kept */
    int store_s3_put_check; /* store.s3_put_check: cs_s3_check_t (signed, md5, readback) */
    char ingest_roots[CS_CONFIG_STR_MAX]; /* ingest.roots: comma-separated; "" = <home>/uploads */
    int ingest_rescan_ms;                 /* ingest.rescan_ms */
    int ingest_settle_ms;                 /* ingest.settle_ms */
    int ingest_after;                     /* ingest.after: cs_ingest_after_t */
    int ingest_parallel;                  /* ingest.parallel */
    char ingest_default_tz[64];           /* ingest.default_tz: "", "+08:00" or a zone name */
    char ingest_clerk[128];               /* ingest.clerk: "" or a Custody user's name */
    int worker_count;                     /* worker.count: 0 = one per core */
    int worker_timeout_ms;                /* worker.timeout_ms */
    int worker_retries;                   /* worker.retries */
    int worker_rlimit_as_mb;              /* worker.rlimit_as_mb: 0 = none */
    int worker_rlimit_cpu_s;              /* worker.rlimit_cpu_s: 0 = none */
    char transcode_profiles[CS_CONFIG_STR_MAX]; /* transcode.profiles: comma-separated */
    int transcode_workers;                      /* transcode.workers */
    int transcode_timeout_ms;                   /* transcode.timeout_ms: silence allowed */
    int transcode_threads;                      /* transcode.threads: 0 = one per core */
    int transcode_archival_slices;              /* transcode.archival_slices */
    int transcode_access_crf;                   /* transcode.access_crf */
    int transcode_access_preset;                /* transcode.access_preset: cs_config_presets */
    int transcode_access_max_lines;             /* transcode.access_max_lines */
    int transcode_access_audio_kbps;            /* transcode.access_audio_kbps */
    int transcode_preview_px;                   /* transcode.preview_px */
    int transcode_thumbnail_px;                 /* transcode.thumbnail_px */
    int transcode_jpeg_quality;                 /* transcode.jpeg_quality */
    int access_default_level;                   /* access.default_classification: index */
    int access_serve_state_secret;              /* access.serve_state_secret: 0 or 1 */
    int access_purpose_any;                     /* access.purpose_match: 0 exact, 1 any */
    int ledger_checkpoint_ms;                   /* ledger.checkpoint_ms */
    char api_listen[64];                        /* api.listen: "host:port" */
    char api_tls_cert[CS_CONFIG_STR_MAX];       /* api.tls_cert: PEM path; "" = no TLS */
    char api_tls_key[CS_CONFIG_STR_MAX];        /* api.tls_key: PEM path; "" = no TLS */
    int api_max_body;                           /* api.max_body: bytes of a request body */
    int api_media_url_ttl_s;                    /* api.media_url_ttl_s: signed media URLs */
    int api_max_conns;         /* api.max_conns: open connections; more are closed at once */
    int api_idle_timeout_ms;   /* api.idle_timeout_ms: a connection silent this long closes */
    char public_listen[64];    /* public.listen: "" (off) or "host:port" */
    int auth_session_idle_s;   /* auth.session_idle_s: a sign-in unused this long ends */
    int auth_session_max_s;    /* auth.session_max_s: a sign-in ends this long after it began */
    int auth_lockout_after;    /* auth.lockout_after: failed sign-ins in a row that lock */
    int auth_lockout_s;        /* auth.lockout_s: how long a lock lasts */
    int auth_address_failures; /* auth.address_failures: failed sign-ins per address a window */
    int auth_address_window_s; /* auth.address_window_s: that window */
    int retention_grace_days;  /* retention.grace_days: approval to removal */
    int public_photo_max_px;   /* public.photo_max_px: a photo's public copy, 0: full size */
    int retention_non_evidence_days; /* retention.non_evidence_days: from capture */
    int retention_long_years;        /* retention.long_years: 长期, from a case's closing */
    int retention_short_years;       /* retention.short_years: 短期, from a case's closing */
    int retention_default_period;    /* retention.default_period: index of cs_config_periods */
    int ingest_max_upload_delay_h;   /* ingest.max_upload_delay_h: 0 = no late-upload flag */
    char ingest_name_pattern[CS_CONFIG_STR_MAX]; /* ingest.name_pattern: "" or PCRE2 */
} cs_config_t;

/* The classification levels, lowest first, NULL-terminated (access.default_classification). */
extern const char *const cs_config_levels[];

/* A case's archive periods (保管期限), NULL-terminated: permanent, long, short. */
extern const char *const cs_config_periods[];

/* The libx264 presets transcode.access_preset may name, NULL-terminated. */
extern const char *const cs_config_presets[];

/** Fills *cfg with every key's default. */
void cs_config_defaults(cs_config_t *cfg);

/** Sets one key from text. `origin` names where the value came from for the error detail
 * ("custody.conf line 4", "--set"). CS_ECONFIG for an unknown key or a bad or out-of-range
 * value; the detail names the key and the allowed range. */
int cs_config_set(cs_config_t *cfg, const char *key, const char *value, const char *origin);

/** Applies an INI file. A missing file is not an error (defaults stand). CS_ECONFIG with a
 * detail naming the file, line and key for anything it cannot accept. */
int cs_config_load(cs_config_t *cfg, const char *path);

/** Applies one "section.key=value" override (the --set option). */
int cs_config_override(cs_config_t *cfg, const char *assignment);

/** Writes the commented default file: every key with its meaning, default and range. */
int cs_config_write_default(FILE *f);

/* One key of the table as the manual describes it (cs_config_describe). */
typedef enum {
    CS_CONFIG_INT,
    CS_CONFIG_TEXT,
    CS_CONFIG_ONE_OF,
    CS_CONFIG_SOME_OF
} cs_config_kind_t;

typedef struct cs_config_desc {
    const char *name;      /* "section.key" */
    cs_config_kind_t kind; /* INT: min..max; TEXT: min..max bytes; ONE_OF/SOME_OF: choices */
    long long min, max;
    const char *def;            /* the default, as text */
    const char *help;           /* lines after the first begin with "# ", as in the file */
    const char *const *choices; /* ONE_OF, SOME_OF: NULL-terminated; else NULL */
} cs_config_desc_t;

/** Fills *d for the i-th key in table order; CS_ENOTFOUND past the last. */
int cs_config_describe(size_t i, cs_config_desc_t *d);

/** Calls fn(key, value-as-text, arg) for every key in table order. */
void cs_config_each(const cs_config_t *cfg,
                    void (*fn)(const char *key, const char *value, void *arg), void *arg);

#endif
