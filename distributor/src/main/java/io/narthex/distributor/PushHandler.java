package io.narthex.distributor;

import com.linecorp.armeria.common.AggregatedHttpRequest;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceRequestContext;
import io.airlift.compress.MalformedInputException;
import io.airlift.compress.snappy.SnappyDecompressor;
import io.narthex.common.ErrorId;
import io.narthex.common.Tenant;
import io.narthex.common.TenantResolver;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /api/v1/push}: Prometheus remote-write 1.0, a snappy block-compressed {@code WriteRequest}.
 *
 * <p>Answers 200 when everything was stored; 400 naming each rejected series when some were not (the rest are
 * stored); 400 for a body that is not snappy or protobuf; 401 without a valid tenant; 429 over the tenant's
 * ingestion rate; 413 over
 * {@code -distributor.max-recv-msg-size}; 415 for remote-write 2.0; 5xx only for server faults, which Prometheus
 * retries: 503 past {@link InflightPushes}' bounds.
 */
public final class PushHandler implements HttpService {
  private static final Logger log = LoggerFactory.getLogger(PushHandler.class);
  private static final int MAX_ERRORS_REPORTED = 10;
  /**
   * Snappy's largest expansion, rounded up: a 3-byte copy element writes at most 64 bytes (21.3 times), literals
   * and other copies less (format_description.txt of google/snappy). A larger claim is a lie, refused before the
   * output is allocated.
   */
  static final int MAX_SNAPPY_EXPANSION = 22;

  private final Distributor distributor;
  private final TenantResolver tenantResolver;
  private final int maxRecvMsgSizeBytes;
  private final InflightPushes inflight;
  /**
   * Bodies of finished pushes, for the next ones to decompress into: as many as pushes ran at once, at most 16, each
   * at most {@link #RETAINED_BODY_BYTES}.
   */
  private final ArrayBlockingQueue<byte[]> bodies = new ArrayBlockingQueue<>(16);
  /** Largest body kept for reuse: 2 MiB, some 6,000 series of 300 bytes (Prometheus sends at most 2,000). */
  static final int RETAINED_BODY_BYTES = 2 << 20;

  /**
   * @param maxRecvMsgSizeBytes largest body accepted, compressed or uncompressed
   * @param inflight this instance's bounds on pushes in flight; past them the answer is 503, as Mimir's
   */
  public PushHandler(Distributor distributor, TenantResolver tenantResolver, int maxRecvMsgSizeBytes,
      InflightPushes inflight) {
    this.distributor = distributor;
    this.tenantResolver = tenantResolver;
    this.maxRecvMsgSizeBytes = maxRecvMsgSizeBytes;
    this.inflight = inflight;
  }

  @Override
  public HttpResponse serve(ServiceRequestContext ctx, HttpRequest req) {
    InflightPushes.Permit permit = inflight.tryStart();
    if (permit == null) {
      return reject(status(ErrorId.MAX_INFLIGHT_PUSH_REQUESTS), "max_inflight_push_requests", inflight.requestsRefusal());
    }
    // A declared length is held while the body arrives; a chunked body counts once it has arrived.
    if (!permit.reserveUpTo(Math.max(0, req.headers().contentLength()))) {
      permit.close();
      return reject(status(ErrorId.MAX_INFLIGHT_PUSH_REQUESTS_BYTES), "max_inflight_push_requests_bytes", inflight.bytesRefusal());
    }
    return HttpResponse.of(req.aggregate()
        .thenApplyAsync(agg -> handle(agg, permit), ctx.blockingTaskExecutor())
        .whenComplete((response, e) -> permit.close()));
  }

  /** Handles an arrived request as one more in flight. */
  HttpResponse handle(AggregatedHttpRequest req) {
    InflightPushes.Permit permit = inflight.tryStart();
    if (permit == null) {
      return reject(status(ErrorId.MAX_INFLIGHT_PUSH_REQUESTS), "max_inflight_push_requests", inflight.requestsRefusal());
    }
    try (permit) {
      return handle(req, permit);
    }
  }

  private HttpResponse handle(AggregatedHttpRequest req, InflightPushes.Permit permit) {
    String tenant;
    try {
      tenant = tenantResolver.resolve(req.headers().get(Tenant.HEADER),
          req.headers().get(HttpHeaderNames.AUTHORIZATION));
    } catch (Tenant.InvalidTenantException e) {
      return reject(HttpStatus.valueOf(e.httpStatus()), "tenant", e.getMessage());
    }
    MediaType contentType = req.contentType();
    if (contentType != null && contentType.parameters().containsKey("proto")
        && !contentType.parameters().get("proto").contains("prometheus.WriteRequest")) {
      return reject(HttpStatus.UNSUPPORTED_MEDIA_TYPE, "unsupported_protocol",
          "unsupported remote-write protocol message " + contentType.parameters().get("proto")
              + ": only prometheus.WriteRequest (remote-write 1.0) is supported");
    }
    byte[] compressed = req.content().array();
    if (compressed.length > maxRecvMsgSizeBytes) {
      return tooLarge(compressed.length);
    }
    if (!permit.reserveUpTo(compressed.length)) {
      return reject(status(ErrorId.MAX_INFLIGHT_PUSH_REQUESTS_BYTES), "max_inflight_push_requests_bytes", inflight.bytesRefusal());
    }
    byte[] body = null;
    int length;
    try {
      length = SnappyDecompressor.getUncompressedLength(compressed, 0);
      if (length > maxRecvMsgSizeBytes) {
        return tooLarge(length);
      }
      if (length > (long) compressed.length * MAX_SNAPPY_EXPANSION) {
        throw new MalformedInputException(0, "the header claims " + length + " uncompressed bytes, more than "
            + compressed.length + " compressed bytes can hold (snappy expands at most " + MAX_SNAPPY_EXPANSION
            + " times)");
      }
      if (!permit.reserveUpTo((long) compressed.length + length)) {
        return reject(status(ErrorId.MAX_INFLIGHT_PUSH_REQUESTS_BYTES), "max_inflight_push_requests_bytes", inflight.bytesRefusal());
      }
      body = bodyOfAtLeast(length);
      int written = new SnappyDecompressor().decompress(compressed, 0, compressed.length, body, 0, length);
      if (written != length) {
        throw new MalformedInputException(0, "decompressed " + written + " bytes, header said " + length);
      }
    } catch (MalformedInputException | IllegalArgumentException | IndexOutOfBoundsException e) {
      giveBack(body);
      return reject(HttpStatus.BAD_REQUEST, "snappy",
          "the request body is not valid snappy-compressed data: " + e.getMessage());
    }
    try {
      return push(tenant, body, length);
    } finally {
      giveBack(body);
    }
  }

  /** A body buffer of at least {@code length} bytes, a kept one when one is free and large enough. */
  private byte[] bodyOfAtLeast(int length) {
    byte[] body = bodies.poll();
    if (body != null && body.length >= length) {
      return body;
    }
    // Room to grow a little, so that the next slightly larger request fits too.
    return new byte[length <= RETAINED_BODY_BYTES ? Math.min(RETAINED_BODY_BYTES, length + (length >> 3)) : length];
  }

  /** Keeps a body for the next push once nothing reads it: {@link Distributor#push} keeps no reference. */
  private void giveBack(byte[] body) {
    if (body != null && body.length <= RETAINED_BODY_BYTES) {
      bodies.offer(body);
    }
  }

  private HttpResponse push(String tenant, byte[] body, int length) {
    Distributor.PushResult result;
    try {
      result = distributor.push(tenant, body, length);
    } catch (Distributor.MalformedRequestException e) {
      return reject(HttpStatus.BAD_REQUEST, "protobuf",
          "the request body is not a valid protobuf WriteRequest: " + e.getMessage());
    } catch (Distributor.LimitExceededException e) {
      return reject(status(ErrorId.TENANT_MAX_INGESTION_RATE), "rate_limited", e.getMessage());
    } catch (Distributor.IngesterUnavailableException e) {
      log.warn("push failed tenant={} err=\"{}\"", tenant, e.getMessage());
      return HttpResponse.of(HttpStatus.INTERNAL_SERVER_ERROR, MediaType.PLAIN_TEXT_UTF_8, e.getMessage());
    }
    if (result.errors().isEmpty()) {
      return HttpResponse.of(HttpStatus.OK);
    }
    return reject(HttpStatus.BAD_REQUEST, "validation", summarize(result.errors()));
  }

  private static String summarize(List<String> errors) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < errors.size() && i < MAX_ERRORS_REPORTED; i++) {
      sb.append(errors.get(i)).append('\n');
    }
    if (errors.size() > MAX_ERRORS_REPORTED) {
      sb.append("and ").append(errors.size() - MAX_ERRORS_REPORTED).append(" more rejected series\n");
    }
    return sb.toString();
  }

  private HttpResponse tooLarge(int sizeBytes) {
    return reject(status(ErrorId.MAX_WRITE_MESSAGE_SIZE), "size", ErrorId.MAX_WRITE_MESSAGE_SIZE.format(
        "the incoming push request has been rejected because its message size of %d bytes is larger than the allowed"
            + " limit of %d bytes", sizeBytes, maxRecvMsgSizeBytes)
        + ". To adjust the related limit, configure -distributor.max-recv-msg-size.");
  }

  /** The status the error registry gives the id, so that the answer and docs/errors.md agree. */
  private static HttpStatus status(ErrorId id) {
    return HttpStatus.valueOf(id.httpStatus());
  }

  private HttpResponse reject(HttpStatus status, String reason, String message) {
    distributor.metrics().rejectedRequests.labelValues(reason).inc();
    return HttpResponse.builder()
        .status(status)
        .content(MediaType.PLAIN_TEXT_UTF_8, message.endsWith("\n") ? message : message + "\n")
        .header(HttpHeaderNames.CACHE_CONTROL, "no-store")
        .build();
  }
}
