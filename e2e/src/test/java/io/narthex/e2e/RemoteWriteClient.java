package io.narthex.e2e;

import io.airlift.compress.snappy.SnappyCompressor;
import io.narthex.proto.prompb.Label;
import io.narthex.proto.prompb.Sample;
import io.narthex.proto.prompb.TimeSeries;
import io.narthex.proto.prompb.WriteRequest;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Arrays;

/** Sends remote-write 1.0 requests as Prometheus does: snappy block-compressed protobuf over HTTP POST. */
final class RemoteWriteClient {
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private final URI pushUri;

  RemoteWriteClient(int httpPort) {
    this.pushUri = URI.create("http://127.0.0.1:" + httpPort + "/api/v1/push");
  }

  /** A series with labels exactly as given (order kept, so tests can send unsorted or duplicate names). */
  static TimeSeries series(String[] namesAndValues, long[] timestampsMs, double[] values) {
    TimeSeries.Builder series = TimeSeries.newBuilder();
    for (int i = 0; i < namesAndValues.length; i += 2) {
      series.addLabels(Label.newBuilder().setName(namesAndValues[i]).setValue(namesAndValues[i + 1]));
    }
    for (int i = 0; i < timestampsMs.length; i++) {
      series.addSamples(Sample.newBuilder().setTimestamp(timestampsMs[i]).setValue(values[i]));
    }
    return series.build();
  }

  static byte[] snappy(byte[] raw) {
    SnappyCompressor compressor = new SnappyCompressor();
    byte[] out = new byte[compressor.maxCompressedLength(raw.length)];
    int length = compressor.compress(raw, 0, raw.length, out, 0, out.length);
    return Arrays.copyOf(out, length);
  }

  HttpResponse<String> push(String tenant, WriteRequest request) throws IOException, InterruptedException {
    return post(tenant, snappy(request.toByteArray()));
  }

  /** Posts a raw body; {@code tenant} null sends no tenant header. */
  HttpResponse<String> post(String tenant, byte[] body) throws IOException, InterruptedException {
    HttpRequest.Builder request = HttpRequest.newBuilder(pushUri)
        .header("Content-Type", "application/x-protobuf")
        .header("Content-Encoding", "snappy")
        .header("X-Prometheus-Remote-Write-Version", "0.1.0")
        .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    if (tenant != null) {
      request.header("X-Scope-OrgID", tenant);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }
}
