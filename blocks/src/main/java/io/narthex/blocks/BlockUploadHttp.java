package io.narthex.blocks;

import com.linecorp.armeria.common.AggregatedHttpRequest;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.server.ServerBuilder;
import com.linecorp.armeria.server.ServiceRequestContext;
import io.narthex.common.Tenant;
import io.narthex.common.TenantResolver;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Mimir's block upload HTTP API over {@link BlockUploadService}:
 *
 * <ul>
 *   <li>{@code POST /api/v1/upload/block/{block}/start}, the block's meta.json as body
 *   <li>{@code POST /api/v1/upload/block/{block}/files?path={path}}, the file as body, with a Content-Length
 *   <li>{@code POST /api/v1/upload/block/{block}/finish}
 *   <li>{@code GET /api/v1/upload/block/{block}/check}: {@code {"result": "uploading"|"validating"|"complete"|"failed",
 *       "error": "..."}}
 * </ul>
 *
 * <p>The tenant is told by the {@link TenantResolver} ({@code X-Scope-OrgID}, or the basic-auth user name), required
 * when multitenancy is enabled, else "anonymous".
 * Success is 200 with an empty body (check: JSON). Client faults are 4xx with a plain-text message ending in its
 * error id, as Mimir answers them ({@code http.Error}): 400 invalid request or block, 401 no valid tenant, 404
 * upload not started, 409 block exists, 411 no Content-Length, 413 too large, 429 too many validations. Server
 * faults (object storage, scratch disk) are 500 "internal server error (id ...)", the id naming the logged error.
 */
public final class BlockUploadHttp {
  private static final Logger log = LoggerFactory.getLogger(BlockUploadHttp.class);
  public static final String PATH_PREFIX = "/api/v1/upload/block/";
  /**
   * Bound on a files or finish request: an hour moves a 10 GiB block at 3 MB/s, and a client that stalls cannot
   * hold a blocking thread for ever.
   */
  static final Duration SLOW_REQUEST_TIMEOUT = Duration.ofHours(1);

  private final BlockUploadService service;
  private final TenantResolver tenantResolver;

  public BlockUploadHttp(BlockUploadService service, TenantResolver tenantResolver) {
    this.service = service;
    this.tenantResolver = tenantResolver;
  }

  /**
   * Adds the four routes. Files and finish may take up to {@link #SLOW_REQUEST_TIMEOUT} (large files, long
   * validations). A file's body has no length cap here: its Content-Length is checked against the tenant's block
   * size limit before any of it is read, and exactly that many bytes are read. Start accepts bodies up to
   * {@link BlockUploadService#MAX_META_BYTES}.
   */
  public ServerBuilder bind(ServerBuilder sb) {
    return sb
        .route().post(PATH_PREFIX + "{block}/start")
        .maxRequestLength(BlockUploadService.MAX_META_BYTES)
        .build((ctx, req) -> start(ctx, req))
        .route().post(PATH_PREFIX + "{block}/files")
        .maxRequestLength(0)
        .requestTimeout(SLOW_REQUEST_TIMEOUT)
        .build((ctx, req) -> files(ctx, req))
        .route().post(PATH_PREFIX + "{block}/finish")
        .requestTimeout(SLOW_REQUEST_TIMEOUT)
        .build((ctx, req) -> finish(ctx, req))
        .route().get(PATH_PREFIX + "{block}/check")
        .build((ctx, req) -> check(ctx, req));
  }

  private HttpResponse start(ServiceRequestContext ctx, HttpRequest req) {
    return afterBody(ctx, req, (tenant, block, agg) -> {
      service.start(tenant, block, agg.content().array());
      return HttpResponse.of(HttpStatus.OK);
    });
  }

  private HttpResponse files(ServiceRequestContext ctx, HttpRequest req) {
    String path = ctx.queryParam("path");
    long contentLength = req.headers().contentLength();
    return blocking(ctx, req, true, (tenant, block) -> {
      try (InputStream body = new BodyOnFirstRead(req)) {
        service.uploadFile(tenant, block, path, body, contentLength);
      }
      return HttpResponse.of(HttpStatus.OK);
    });
  }

  private HttpResponse finish(ServiceRequestContext ctx, HttpRequest req) {
    return afterBody(ctx, req, (tenant, block, agg) -> {
      service.finish(tenant, block);
      return HttpResponse.of(HttpStatus.OK);
    });
  }

  private HttpResponse check(ServiceRequestContext ctx, HttpRequest req) {
    return blocking(ctx, req, false, (tenant, block) -> HttpResponse.builder()
        .status(HttpStatus.OK)
        .content(MediaType.JSON_UTF_8, service.check(tenant, block).toJson())
        .header(HttpHeaderNames.CACHE_CONTROL, "no-store")
        .build());
  }

  /**
   * The request body, subscribed to on the first read. A file refused before its body is read leaves the body
   * untouched: Armeria discards it after the answer is sent. Cancelling it first aborts the request, and when the
   * body had not fully arrived, HTTP/1.1 then answered 500 in place of the 400 (about 3 % of refused files).
   */
  private static final class BodyOnFirstRead extends InputStream {
    private final HttpRequest req;
    private InputStream body;

    BodyOnFirstRead(HttpRequest req) {
      this.req = req;
    }

    private InputStream body() {
      if (body == null) {
        body = req.toInputStream(o -> o instanceof HttpData data ? data : HttpData.empty());
      }
      return body;
    }

    @Override
    public int read() throws IOException {
      return body().read();
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      return body().read(b, off, len);
    }

    @Override
    public void close() throws IOException {
      if (body != null) {
        body.close();
      }
    }
  }

  private interface Handler {
    HttpResponse handle() throws BlockUploadException, IOException;
  }

  private interface BlockHandler {
    HttpResponse handle(String tenant, String block) throws BlockUploadException, IOException;
  }

  private interface BodyHandler {
    HttpResponse handle(String tenant, String block, AggregatedHttpRequest agg)
        throws BlockUploadException, IOException;
  }

  /**
   * Resolves the tenant (401, counted as a failed upload, when there is none), reads the whole body, then runs the
   * handler on the blocking executor for the {@code {block}} of the path.
   */
  private HttpResponse afterBody(ServiceRequestContext ctx, HttpRequest req, BodyHandler handler) {
    String tenant;
    try {
      tenant = tenant(req);
    } catch (Tenant.InvalidTenantException e) {
      return unauthorized(e, true);
    }
    String block = ctx.pathParam("block");
    return HttpResponse.of(req.aggregate().thenApplyAsync(
        (AggregatedHttpRequest agg) -> answer(ctx, () -> handler.handle(tenant, block, agg)),
        ctx.blockingTaskExecutor()));
  }

  /**
   * Resolves the tenant (401 when there is none, counted as a failed upload when {@code countTenantFailure}), then
   * runs the handler on the blocking executor for the {@code {block}} of the path, leaving the body to it.
   */
  private HttpResponse blocking(ServiceRequestContext ctx, HttpRequest req, boolean countTenantFailure,
      BlockHandler handler) {
    String tenant;
    try {
      tenant = tenant(req);
    } catch (Tenant.InvalidTenantException e) {
      return unauthorized(e, countTenantFailure);
    }
    String block = ctx.pathParam("block");
    return HttpResponse.of(CompletableFuture.supplyAsync(
        () -> answer(ctx, () -> handler.handle(tenant, block)), ctx.blockingTaskExecutor()));
  }

  /** The request's tenant, or "anonymous" without multitenancy; InvalidTenantException when invalid. */
  private String tenant(HttpRequest req) {
    return tenantResolver.resolve(req.headers().get(Tenant.HEADER), req.headers().get(HttpHeaderNames.AUTHORIZATION));
  }

  private static HttpResponse answer(ServiceRequestContext ctx, Handler handler) {
    try {
      return handler.handle();
    } catch (BlockUploadException e) {
      return text(HttpStatus.valueOf(e.httpStatus()), e.getMessage());
    } catch (IOException | RuntimeException e) {
      log.error("block upload request failed id={} method={} path={}", ctx.id(), ctx.method(), ctx.path(), e);
      return text(HttpStatus.INTERNAL_SERVER_ERROR, "internal server error (id " + ctx.id() + ")");
    }
  }

  private HttpResponse unauthorized(Tenant.InvalidTenantException e, boolean countFailure) {
    if (countFailure) {
      service.metrics().failed.labelValues(BlockUploadMetrics.REASON_TENANT).inc();
    }
    return text(HttpStatus.valueOf(e.httpStatus()), e.getMessage());
  }

  private static HttpResponse text(HttpStatus status, String message) {
    return HttpResponse.builder()
        .status(status)
        .content(MediaType.PLAIN_TEXT_UTF_8, message.endsWith("\n") ? message : message + "\n")
        .header(HttpHeaderNames.CACHE_CONTROL, "no-store")
        .build();
  }
}
