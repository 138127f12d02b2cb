package io.narthex.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Request bodies of one all-in-one process: small everywhere, large only where writes need them. */
class HttpBodyLimitsTest {
  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @TempDir Path dir;
  private Narthex narthex;

  @AfterEach
  void close() {
    if (narthex != null) {
      narthex.close();
    }
  }


  private HttpResponse<String> post(String path, byte[] body) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + narthex.httpPort() + path))
        .header("X-Scope-OrgID", "t")
        .header("Content-Type", "application/x-www-form-urlencoded")
        .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void routesOtherThanPushRefuseBodiesOverTheMaxBodySizeAndPushesPastTheInflightBytesGet503() throws Exception {
    narthex = SingleProcess.start(dir, "--query-frontend.max-body-size=65536",
        "--distributor.instance-limits.max-inflight-push-requests-bytes=150000");
    byte[] large = new byte[100_000];

    assertThat(post("/prometheus/api/v1/query", large).statusCode()).isEqualTo(413);
    assertThat(post("/prometheus/api/v1/query", "query=1".getBytes()).statusCode()).isEqualTo(200);
    HttpResponse<String> push = post("/api/v1/push", large);
    assertThat(push.statusCode()).as(push.body()).isEqualTo(400);
    assertThat(push.body()).contains("snappy");
    HttpResponse<String> overInflightBytes = post("/api/v1/push", new byte[200_000]);
    assertThat(overInflightBytes.statusCode()).as("a declared length past the in-flight bytes, refused unread")
        .isEqualTo(503);
    assertThat(overInflightBytes.body()).contains("err-narthex-distributor-max-inflight-push-requests-bytes");
  }
}
