/* bench/h2o_ceiling.c: the ceiling of bench/api.sh: libh2o on libuv as Custody uses it (one
 * loop, HTTP/1.1, same build), with no work behind it. GET /ok answers "ok"; GET /file sends
 * FILE with libh2o's own h2o_file_send (what a download of the same bytes costs without
 * Custody). Usage: custody-bench-h2o-ceiling PORT FILE (port 0: the system chooses); prints
 * "listening PORT" once listening and runs until killed. */
#include <arpa/inet.h>
#include <h2o.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

static h2o_globalconf_t config;
static h2o_context_t ctx;
static h2o_accept_ctx_t accept_ctx;
static const char *file;

static int
on_req(h2o_handler_t *self, h2o_req_t *req)
{
    (void)self;
    if (h2o_memis(req->path_normalized.base, req->path_normalized.len, H2O_STRLIT("/file")))
        return h2o_file_send(req, 200, "OK", file,
                             h2o_iovec_init(H2O_STRLIT("application/octet-stream")), 0);
    req->res.status = 200;
    req->res.reason = "OK";
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL,
                   H2O_STRLIT("text/plain"));
    h2o_send_inline(req, H2O_STRLIT("ok"));
    return 0;
}

static void
on_close(uv_handle_t *h)
{
    free(h);
}

static void
on_accept(uv_stream_t *listener, int status)
{
    uv_tcp_t *conn;
    if (status != 0 || (conn = calloc(1, sizeof *conn)) == NULL)
        return;
    uv_tcp_init(listener->loop, conn);
    if (uv_accept(listener, (uv_stream_t *)conn) != 0) {
        uv_close((uv_handle_t *)conn, on_close);
        return;
    }
    h2o_accept(&accept_ctx, h2o_uv_socket_create((uv_stream_t *)conn, on_close));
}

int
main(int argc, char **argv)
{
    uv_loop_t *loop = uv_default_loop();
    uv_tcp_t listener;
    struct sockaddr_in addr;
    int r;
    if (argc != 3) {
        fprintf(stderr, "usage: custody-bench-h2o-ceiling PORT FILE\n");
        return 2;
    }
    file = argv[2];
    h2o_config_init(&config);
    h2o_hostconf_t *host =
        h2o_config_register_host(&config, h2o_iovec_init(H2O_STRLIT("default")), 65535);
    h2o_pathconf_t *path = h2o_config_register_path(host, "/", 0);
    h2o_create_handler(path, sizeof(h2o_handler_t))->on_req = on_req;
    h2o_context_init(&ctx, loop, &config);
    accept_ctx.ctx = &ctx;
    accept_ctx.hosts = config.hosts;
    uv_tcp_init(loop, &listener);
    uv_ip4_addr("127.0.0.1", atoi(argv[1]), &addr);
    if ((r = uv_tcp_bind(&listener, (struct sockaddr *)&addr, 0)) != 0 ||
        (r = uv_listen((uv_stream_t *)&listener, 511, on_accept)) != 0) {
        fprintf(stderr, "custody-bench-h2o-ceiling: port %s: %s\n", argv[1], uv_strerror(r));
        return 1;
    }
    int len = (int)sizeof addr;
    uv_tcp_getsockname(&listener, (struct sockaddr *)&addr, &len);
    printf("listening %d\n", ntohs(addr.sin_port));
    fflush(stdout);
    return uv_run(loop, UV_RUN_DEFAULT);
}
