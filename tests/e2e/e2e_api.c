/* tests/e2e/e2e_api.c: the helpers of e2e_api.h. */
#include "tests/e2e/e2e_api.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

void
run_ok(cs_run_t *r)
{
    ck_assert_msg(r->status == 0, "exit %d: %s %s", r->status, r->out, r->err);
}

char *
user_add(api_t *a, const char *name, const char *role)
{
    cs_run_t r;
    cs_test_custody(&r, "user", "add", name, "--home", a->t.home, "--role", role, NULL);
    run_ok(&r);
    size_t n = strlen(r.out);
    while (n > 0 && r.out[n - 1] == '\n')
        n--;
    const char *start = r.out + n;
    while (start > r.out && start[-1] != '\n')
        start--;
    char *token = strndup(start, (size_t)(r.out + n - start));
    cs_test_run_free(&r);
    return token;
}

/* The port of the "api.listening" line, 0 when not there yet. */
int
logged_port(const api_t *a, const char *event)
{
    char *log = cs_test_read(a->log, NULL);
    const char *p = log ? strstr(log, event) : NULL;
    int port = 0;
    if (p != NULL && (p = strstr(p, "\"listen\":\"127.0.0.1:")) != NULL)
        port = atoi(p + strlen("\"listen\":\"127.0.0.1:"));
    free(log);
    return port;
}

/* Starts `custody serve` on a port of the system's choosing. A failed assertion ends the test
 * process at once, without a teardown: the service gets SIGTERM when it does. */
void
api_start(api_t *a)
{
    api_start_with(a, NULL);
}

void
api_start_with(api_t *a, const char *const *sets)
{
    char *argv[32] = {(char *)CUSTODY_BIN,      "serve", "--home",         a->t.home, "--set",
                      "api.listen=127.0.0.1:0", "--set", "worker.count=1", NULL};
    size_t n = 8;
    for (size_t i = 0; sets != NULL && sets[i] != NULL; i++) {
        ck_assert_uint_lt(n + 2, sizeof argv / sizeof argv[0]);
        argv[n++] = "--set";
        argv[n++] = (char *)sets[i];
    }
    argv[n] = NULL;
    pid_t parent = getpid();
    a->pid = fork();
    ck_assert_int_ge(a->pid, 0);
    if (a->pid == 0) {
        setpgid(0, 0);
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (getppid() != parent)
            _exit(127);
        int fd = open(a->log, O_WRONLY | O_CREAT | O_APPEND, 0644);
        int devnull = open("/dev/null", O_RDONLY);
        dup2(devnull, 0);
        dup2(fd, 1);
        dup2(fd, 2);
        execv(argv[0], argv);
        _exit(127);
    }
    for (int i = 0; i < 400 && (a->port = logged_port(a, "\"api.listening\"")) == 0; i++)
        usleep(25 * 1000);
    ck_assert_int_gt(a->port, 0);
}

void
api_setup(api_t *a)
{
    api_setup_with(a, NULL);
}

void
api_setup_with(api_t *a, const char *const *sets)
{
    cs_run_t r;
    memset(a, 0, sizeof *a);
    e2e_setup(&a->t);
    snprintf(a->log, sizeof a->log, "%s/serve.log", a->t.dir);
    snprintf(a->src, sizeof a->src, "%s/clip.bin", a->t.dir);
    cs_test_write_random(a->src, SIZE, 7);
    size_t len = 0;
    a->data = cs_test_read(a->src, &len);
    ck_assert_int_eq(len, SIZE);
    cs_test_custody(&r, "ingest", "--home", a->t.home, "--case", CASE_A, "--party", "某公司",
                    a->src, NULL);
    run_ok(&r);
    cs_test_run_free(&r);
    unsigned char md[32];
    unsigned int mdlen = 0;
    EVP_Digest(a->data, SIZE, md, &mdlen, EVP_sha256(), NULL);
    for (int i = 0; i < 32; i++)
        sprintf(a->sha + 2 * i, "%02x", md[i]);
    a->alice = user_add(a, "alice", "reviewer");
    a->bob = user_add(a, "bob", "reviewer");
    a->carol = user_add(a, "carol", "auditor");
    a->dave = user_add(a, "dave", "clerk");
    a->root = user_add(a, "root", "admin");
    cs_test_custody(&r, "grant", "alice", "--any-purpose", "--scope", "export", "--home", a->t.home,
                    "--case", CASE_A, "--purpose", "legal review", NULL);
    run_ok(&r);
    cs_test_run_free(&r);
    api_start_with(a, sets);
}

void
api_teardown(api_t *a)
{
    int rc = cs_test_stop(a->pid, SIGTERM);
    if (rc != 0) {
        char *log = cs_test_read(a->log, NULL);
        size_t n = log ? strlen(log) : 0;
        ck_abort_msg("custody serve exited %d on SIGTERM; the end of its log:\n%s", rc,
                     log ? log + (n > 3000 ? n - 3000 : 0) : "(none)");
    }
    /* Its workers' leak reports are in its log, whatever its exit status. */
    char *log = cs_test_read(a->log, NULL);
    const char *leak = cs_test_leak_report(log);
    if (leak != NULL)
        ck_abort_msg("custody serve or one of its workers leaked memory:\n%.3000s", leak);
    free(log);
    free(a->data);
    free(a->alice);
    free(a->bob);
    free(a->carol);
    free(a->dave);
    free(a->root);
    e2e_teardown(&a->t);
}

/* One HTTP/1.1 request on its own connection; the whole answer is read. */
void
http(api_t *a, resp_t *r, const char *method, const char *target, const char *token,
     const char *purpose, const char *range, const char *body)
{
    http_h(a, r, method, target, token, purpose, range, body, NULL);
}

void
http_h(api_t *a, resp_t *r, const char *method, const char *target, const char *token,
       const char *purpose, const char *range, const char *body, const char *const *headers)
{
    char req[8192];
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons((uint16_t)a->port)};
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_int_eq(connect(fd, (struct sockaddr *)&sin, sizeof sin), 0);
    int n = snprintf(req, sizeof req, "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n",
                     method, target);
    if (token)
        n += snprintf(req + n, sizeof req - n, "Authorization: Bearer %s\r\n", token);
    if (purpose)
        n += snprintf(req + n, sizeof req - n, "X-Custody-Purpose: %s\r\n", purpose);
    if (range)
        n += snprintf(req + n, sizeof req - n, "Range: %s\r\n", range);
    for (size_t i = 0; headers != NULL && headers[i] != NULL; i++)
        n += snprintf(req + n, sizeof req - n, "%s\r\n", headers[i]);
    if (body)
        n += snprintf(req + n, sizeof req - n,
                      "Content-Type: application/json\r\nContent-Length: %zu\r\n", strlen(body));
    n += snprintf(req + n, sizeof req - n, "\r\n%s", body ? body : "");
    ck_assert_int_lt(n, (int)sizeof req);
    ck_assert_int_eq(write(fd, req, (size_t)n), n);
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap);
    ssize_t got;
    while ((got = read(fd, buf + len, cap - len - 1)) > 0) {
        len += (size_t)got;
        if (cap - len < 4096)
            buf = realloc(buf, cap *= 2);
    }
    close(fd);
    buf[len] = '\0';
    r->raw = buf;
    ck_assert_msg(sscanf(buf, "HTTP/1.1 %d", &r->status) == 1, "no status line: %.200s", buf);
    char *end = strstr(buf, "\r\n\r\n");
    ck_assert_ptr_nonnull(end);
    r->body = end + 4;
    r->body_len = len - (size_t)(r->body - buf);
}

/* A header's value (into a static buffer), NULL when absent. */
const char *
header(resp_t *r, const char *name)
{
    static char value[512];
    size_t n = strlen(name);
    for (const char *p = strstr(r->raw, "\r\n"); p && p + 2 < r->body; p = strstr(p + 2, "\r\n")) {
        if (strncasecmp(p + 2, name, n) == 0 && p[2 + n] == ':') {
            const char *v = p + 2 + n + 1;
            while (*v == ' ')
                v++;
            size_t len = strcspn(v, "\r");
            snprintf(value, sizeof value, "%.*s", (int)len, v);
            return value;
        }
    }
    return NULL;
}

void
resp_free(resp_t *r)
{
    free(r->raw);
    memset(r, 0, sizeof *r);
}

json_t *
body_json(resp_t *r)
{
    json_t *v = json_loadb(r->body, r->body_len, 0, NULL);
    ck_assert_msg(v != NULL, "not JSON: %.300s", r->body);
    return v;
}

/* The answer is the problem `slug` with status `status`, in RFC 9457 shape. */
void
assert_problem(resp_t *r, int status, const char *slug)
{
    char type[128];
    ck_assert_msg(r->status == status, "status %d, not %d: %.400s", r->status, status, r->body);
    ck_assert_str_eq(header(r, "content-type"), "application/problem+json");
    json_t *p = body_json(r);
    snprintf(type, sizeof type, "https://custody.invalid/problems/%s", slug);
    ck_assert_str_eq(json_string_value(json_object_get(p, "type")), type);
    ck_assert_int_eq(json_integer_value(json_object_get(p, "status")), status);
    ck_assert(json_is_string(json_object_get(p, "title")));
    ck_assert(json_string_length(json_object_get(p, "detail")) > 0);
    json_decref(p);
}

long
entries(api_t *a, const char *where)
{
    char q[1024];
    snprintf(q, sizeof q, "SELECT count(*) FROM ledger WHERE %s", where);
    return cs_test_sql_count(a->t.db, q);
}

void
path_of(api_t *a, char *buf, size_t size, const char *suffix)
{
    snprintf(buf, size, "/v1/items/%s%s", a->sha, suffix);
}
