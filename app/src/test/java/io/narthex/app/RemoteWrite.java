package io.narthex.app;

import io.airlift.compress.snappy.SnappyCompressor;
import io.narthex.proto.prompb.WriteRequest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Arrays;

/** Prometheus remote write 1.0 for the app tests: a snappy-compressed {@link WriteRequest} to {@code /api/v1/push}. */
final class RemoteWrite {
  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  private RemoteWrite() {}

  /** Posts {@code request} as {@code tenant} (header {@code X-Scope-OrgID}) and returns the answer. */
  static HttpResponse<String> push(Narthex narthex, String tenant, WriteRequest request) throws Exception {
    byte[] raw = request.toByteArray();
    SnappyCompressor snappy = new SnappyCompressor();
    byte[] compressed = new byte[snappy.maxCompressedLength(raw.length)];
    int length = snappy.compress(raw, 0, raw.length, compressed, 0, compressed.length);
    return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + narthex.httpPort() + "/api/v1/push"))
        .header("X-Scope-OrgID", tenant).header("Content-Type", "application/x-protobuf")
        .POST(HttpRequest.BodyPublishers.ofByteArray(Arrays.copyOf(compressed, length))).build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
