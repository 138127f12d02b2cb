package io.narthex.compactor;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.server.ServerBuilder;
import io.narthex.blocks.BucketIndexUpdater;
import io.narthex.blocks.TenantDeletionMark;
import io.narthex.common.Tenant;
import io.narthex.common.TenantResolver;
import io.narthex.objstore.Bucket;
import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The compactor's tenant-deletion routes, as Mimir's: {@code POST /compactor/delete_tenant} marks the caller's
 * tenant for deletion (the compactor then deletes its blocks), and {@code GET /compactor/delete_tenant_status}
 * answers {@code {"tenant_id":…,"blocks_deleted":true|false}}. 401 without a valid tenant, 405 for a delete that is
 * not a POST, 500 when object storage fails.
 */
public final class CompactorHttp {
  private static final Logger log = LoggerFactory.getLogger(CompactorHttp.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Bucket bucket;
  private final TenantResolver tenantResolver;
  private final Executor executor;

  /** @param executor where the bucket calls run, off the event loop */
  public CompactorHttp(Bucket bucket, TenantResolver tenantResolver, Executor executor) {
    this.bucket = bucket;
    this.tenantResolver = tenantResolver;
    this.executor = executor;
  }

  /** Binds both routes. */
  public void bind(ServerBuilder http) {
    http.service("/compactor/delete_tenant", (ctx, req) -> req.method() != HttpMethod.POST
        ? HttpResponse.of(HttpStatus.METHOD_NOT_ALLOWED)
        : forTenant(req, tenant -> {
          TenantDeletionMark.write(bucket, tenant, Instant.now());
          log.info("tenant marked for deletion tenant={}", tenant);
          return HttpResponse.of(HttpStatus.OK);
        }));
    http.service("/compactor/delete_tenant_status", (ctx, req) -> forTenant(req,
        tenant -> HttpResponse.of(HttpStatus.OK, MediaType.JSON, JSON.writeValueAsBytes(Map.of(
            "tenant_id", tenant,
            "blocks_deleted", BucketIndexUpdater.build(bucket, tenant, null, Clock.systemUTC()).blocks().isEmpty())))));
  }

  @FunctionalInterface
  private interface TenantCall {
    HttpResponse call(String tenant) throws IOException;
  }

  private HttpResponse forTenant(HttpRequest req, TenantCall call) {
    String tenant;
    try {
      tenant = tenantResolver.resolve(req.headers().get(Tenant.HEADER),
          req.headers().get(HttpHeaderNames.AUTHORIZATION));
    } catch (Tenant.InvalidTenantException e) {
      return HttpResponse.of(HttpStatus.valueOf(e.httpStatus()), MediaType.PLAIN_TEXT_UTF_8, e.getMessage() + "\n");
    }
    return HttpResponse.of(CompletableFuture.supplyAsync(() -> {
      try {
        return call.call(tenant);
      } catch (IOException e) {
        log.warn("object storage call failed tenant={} err=\"{}\"", tenant, e.toString());
        return HttpResponse.of(HttpStatus.INTERNAL_SERVER_ERROR, MediaType.PLAIN_TEXT_UTF_8,
            "object storage failed: " + e.getMessage() + "\n");
      }
    }, executor));
  }
}
