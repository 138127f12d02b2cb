package io.narthex.ruler;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.linecorp.armeria.common.QueryParams;
import io.narthex.common.ErrorId;
import io.narthex.common.Tenant;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * {@link PeerRules} over HTTP: one {@code GET http://<address>/ruler/internal/rules?<filters>} per ruler with the
 * tenant in {@code X-Scope-OrgID}, all at once. The first ruler that does not answer 200 within the timeout fails
 * the listing, as Mimir's ruler fails {@code GetRules} when one ruler of the shard does not answer.
 */
public final class HttpPeerRules implements PeerRules, AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final TypeReference<Map<String, Object>> BODY = new TypeReference<>() {};

  private final HttpClient http;
  private final Duration timeout;

  /** @param timeout how long a ruler has to answer */
  public HttpPeerRules(Duration timeout) {
    this.timeout = timeout;
    this.http = HttpClient.newBuilder().connectTimeout(timeout).version(HttpClient.Version.HTTP_1_1).build();
  }

  @Override
  public List<Map<String, Object>> groups(List<String> addresses, String tenant, QueryParams params)
      throws IOException {
    String query = params.isEmpty() ? "" : "?" + params.toQueryString();
    List<CompletableFuture<HttpResponse<byte[]>>> answers = new ArrayList<>(addresses.size());
    for (String address : addresses) {
      HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + address + RulesApi.INTERNAL_RULES_PATH
          + query)).timeout(timeout).header(Tenant.HEADER, tenant).GET().build();
      answers.add(http.sendAsync(request, HttpResponse.BodyHandlers.ofByteArray()));
    }
    List<Map<String, Object>> groups = new ArrayList<>();
    for (int i = 0; i < addresses.size(); i++) {
      HttpResponse<byte[]> answer;
      try {
        answer = answers.get(i).join();
      } catch (CompletionException e) {
        throw unavailable(addresses.get(i), String.valueOf(e.getCause()));
      }
      if (answer.statusCode() != 200) {
        throw unavailable(addresses.get(i), "status " + answer.statusCode() + ": "
            + new String(answer.body(), java.nio.charset.StandardCharsets.UTF_8).strip());
      }
      Map<String, Object> body = JSON.readValue(answer.body(), BODY);
      @SuppressWarnings("unchecked")
      List<Map<String, Object>> theirs = (List<Map<String, Object>>) ((Map<String, Object>) body.get("data"))
          .get("groups");
      groups.addAll(theirs);
    }
    return groups;
  }

  private static IOException unavailable(String address, String cause) {
    return new IOException(ErrorId.RULER_UNAVAILABLE.withId(
        "ruler " + address + " did not answer the listing of the tenant's rule groups: " + cause));
  }

  @Override
  public void close() {
    http.close();
  }
}
