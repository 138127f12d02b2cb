package io.narthex.distributor;

import static org.assertj.core.api.Assertions.assertThat;

import com.linecorp.armeria.common.AggregatedHttpRequest;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;
import io.airlift.compress.snappy.SnappyCompressor;
import io.narthex.common.TenantResolver;
import io.narthex.proto.prompb.Label;
import io.narthex.proto.prompb.Sample;
import io.narthex.proto.prompb.TimeSeries;
import io.narthex.proto.prompb.WriteRequest;
import java.lang.management.ManagementFactory;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The push handler over an in-process shard: the body checks before anything reaches the distributor. */
class PushHandlerTest {
  private static final int MAX_RECV_MSG_SIZE_BYTES = 100 << 20;
  private final IngesterShardWriter shard = new IngesterShardWriter();
  private final PushHandler handler = new PushHandler(
      new Distributor(List.of(shard), ValidationLimits.defaults()), TenantResolver.DEFAULT, MAX_RECV_MSG_SIZE_BYTES,
      InflightPushes.unlimited());

  static AggregatedHttpRequest push(String tenant, byte[] body) {
    return AggregatedHttpRequest.of(
        RequestHeaders.builder(HttpMethod.POST, "/api/v1/push")
            .contentType(MediaType.parse("application/x-protobuf"))
            .add("X-Scope-OrgID", tenant)
            .build(),
        com.linecorp.armeria.common.HttpData.wrap(body));
  }

  static byte[] snappy(byte[] raw) {
    SnappyCompressor compressor = new SnappyCompressor();
    byte[] out = new byte[compressor.maxCompressedLength(raw.length)];
    int n = compressor.compress(raw, 0, raw.length, out, 0, out.length);
    return java.util.Arrays.copyOf(out, n);
  }

  static byte[] request(String metric, int seriesCount, long timestampMs) {
    WriteRequest.Builder request = WriteRequest.newBuilder();
    for (int i = 0; i < seriesCount; i++) {
      request.addTimeseries(TimeSeries.newBuilder()
          .addLabels(Label.newBuilder().setName("__name__").setValue(metric))
          .addLabels(Label.newBuilder().setName("id").setValue(Integer.toString(i)))
          .addSamples(Sample.newBuilder().setTimestamp(timestampMs).setValue(i)));
    }
    return snappy(request.build().toByteArray());
  }

  private static long allocatedBytesOfThisThread() {
    return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getCurrentThreadAllocatedBytes();
  }

  @Test
  void storesAValidPush() {
    AggregatedHttpResponse response = handler.handle(push("t", request("m", 3, System.currentTimeMillis())))
        .aggregate().join();
    assertThat(response.status()).isEqualTo(HttpStatus.OK);
    assertThat(shard.ingester.seriesPerTenant()).containsEntry("t", 3L);
  }

  @Test
  void storesUnderTheBasicAuthUserAndRefusesAHeaderNamingAnotherTenant() {
    PushHandler fromBasicAuth = new PushHandler(new Distributor(List.of(shard), ValidationLimits.defaults()),
        new TenantResolver(true, true), MAX_RECV_MSG_SIZE_BYTES, InflightPushes.unlimited());
    String teamX = "Basic " + java.util.Base64.getEncoder().encodeToString("team-x:anything".getBytes());
    byte[] body = request("m", 2, System.currentTimeMillis());

    AggregatedHttpResponse stored = fromBasicAuth.handle(AggregatedHttpRequest.of(
        RequestHeaders.builder(HttpMethod.POST, "/api/v1/push").add("Authorization", teamX).build(),
        com.linecorp.armeria.common.HttpData.wrap(body))).aggregate().join();
    AggregatedHttpResponse differ = fromBasicAuth.handle(AggregatedHttpRequest.of(
        RequestHeaders.builder(HttpMethod.POST, "/api/v1/push").add("Authorization", teamX)
            .add("X-Scope-OrgID", "team-y").build(),
        com.linecorp.armeria.common.HttpData.wrap(body))).aggregate().join();

    assertThat(stored.status()).isEqualTo(HttpStatus.OK);
    assertThat(differ.status()).isEqualTo(HttpStatus.BAD_REQUEST);
    assertThat(differ.contentUtf8())
        .contains("'team-y'", "'team-x'", "err-narthex-tenant-header-and-basic-auth-differ");
    assertThat(shard.ingester.seriesPerTenant()).containsOnlyKeys("team-x").containsEntry("team-x", 2L);
  }

  @Test
  void refusesASnappyLengthClaimBeyondSnappysExpansionWithoutAllocatingIt() {
    // A 4-byte varint header claiming 100 MiB, then a 1-byte literal: 6 bytes.
    int claimed = MAX_RECV_MSG_SIZE_BYTES;
    byte[] body = {
        (byte) (claimed & 0x7f | 0x80), (byte) (claimed >>> 7 & 0x7f | 0x80), (byte) (claimed >>> 14 & 0x7f | 0x80),
        (byte) (claimed >>> 21), 0x00, 'x'};
    handler.handle(push("t", request("warm", 1, 0))).aggregate().join();

    long before = allocatedBytesOfThisThread();
    AggregatedHttpResponse response = handler.handle(push("t", body)).aggregate().join();
    long allocated = allocatedBytesOfThisThread() - before;

    assertThat(response.status()).isEqualTo(HttpStatus.BAD_REQUEST);
    assertThat(allocated).as("bytes allocated handling a 6-byte body").isLessThan(1 << 20);
    assertThat(response.contentUtf8()).contains("claims " + claimed + " uncompressed bytes");
  }

  @Test
  void refusesAPushPastTheInflightRequestLimitWith503NamingTheFlag() {
    InflightPushes inflight = new InflightPushes(2, 0);
    PushHandler limited = new PushHandler(
        new Distributor(List.of(shard), ValidationLimits.defaults()), TenantResolver.DEFAULT, MAX_RECV_MSG_SIZE_BYTES,
        inflight);
    InflightPushes.Permit first = inflight.tryStart();
    InflightPushes.Permit second = inflight.tryStart();
    byte[] body = request("m", 1, System.currentTimeMillis());

    AggregatedHttpResponse refused = limited.handle(push("t", body)).aggregate().join();
    assertThat(refused.status()).isEqualTo(HttpStatus.SERVICE_UNAVAILABLE);
    assertThat(refused.contentUtf8()).contains("err-narthex-distributor-max-inflight-push-requests")
        .contains("-distributor.instance-limits.max-inflight-push-requests");

    first.close();
    assertThat(limited.handle(push("t", body)).aggregate().join().status()).isEqualTo(HttpStatus.OK);
    second.close();
    assertThat(inflight.requestsInFlight()).isZero();
  }

  @Test
  void refusesAPushPastTheInflightBytesLimitWith503NamingTheFlag() {
    InflightPushes inflight = new InflightPushes(0, 4096);
    PushHandler limited = new PushHandler(
        new Distributor(List.of(shard), ValidationLimits.defaults()), TenantResolver.DEFAULT, MAX_RECV_MSG_SIZE_BYTES,
        inflight);
    byte[] small = request("m", 1, System.currentTimeMillis());
    InflightPushes.Permit other = inflight.tryStart();
    assertThat(other.reserveUpTo(4096 - small.length)).isTrue();

    AggregatedHttpResponse refused = limited.handle(push("t", small)).aggregate().join();
    assertThat(refused.status()).isEqualTo(HttpStatus.SERVICE_UNAVAILABLE);
    assertThat(refused.contentUtf8()).contains("err-narthex-distributor-max-inflight-push-requests-bytes")
        .contains("-distributor.instance-limits.max-inflight-push-requests-bytes");

    other.close();
    assertThat(limited.handle(push("t", small)).aggregate().join().status()).isEqualTo(HttpStatus.OK);
    byte[] large = request("m", 200, System.currentTimeMillis());
    assertThat(limited.handle(push("t", large)).aggregate().join().status())
        .as("%d bytes compressed and their uncompressed size, alone past the bound", large.length)
        .isEqualTo(HttpStatus.SERVICE_UNAVAILABLE);
    assertThat(inflight.bytesInFlight()).isZero();
    assertThat(inflight.requestsInFlight()).isZero();
  }

  @Test
  void refusesAPushOverTheTenantsIngestionRateWith429NamingTheFlags() {
    PushHandler limited = new PushHandler(new Distributor(List.of(shard), ValidationLimits.defaults(),
        tenant -> tenant.equals("slow") ? new TenantLimits(0.001, 5, 0, 0) : TenantLimits.defaults()),
        TenantResolver.DEFAULT, MAX_RECV_MSG_SIZE_BYTES, InflightPushes.unlimited());
    long nowMs = System.currentTimeMillis();
    assertThat(limited.handle(push("slow", request("first", 3, nowMs))).aggregate().join().status())
        .isEqualTo(HttpStatus.OK);

    AggregatedHttpResponse refused = limited.handle(push("slow", request("second", 3, nowMs))).aggregate().join();

    assertThat(refused.status()).isEqualTo(HttpStatus.TOO_MANY_REQUESTS);
    assertThat(refused.contentUtf8()).contains("err-narthex-tenant-max-ingestion-rate")
        .contains("-distributor.ingestion-rate-limit").contains("ingestion_rate");
    assertThat(shard.ingester.seriesPerTenant()).containsEntry("slow", 3L);
    assertThat(limited.handle(push("other", request("second", 3, nowMs))).aggregate().join().status())
        .isEqualTo(HttpStatus.OK);
  }
}
