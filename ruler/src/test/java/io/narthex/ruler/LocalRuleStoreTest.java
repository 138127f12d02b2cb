package io.narthex.ruler;

import static org.assertj.core.api.Assertions.assertThat;

import com.linecorp.armeria.server.Server;
import com.linecorp.armeria.server.ServerBuilder;
import io.narthex.common.TenantResolver;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The read-only local backend: Prometheus rule files per tenant, served through the rules config API. */
class LocalRuleStoreTest {
  @TempDir Path directory;
  private Server server;
  private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeEach
  void start() throws Exception {
    Files.createDirectories(directory.resolve("team-a"));
    Files.writeString(directory.resolve("team-a/node.yaml"), "groups:\n"
        + RuleGroupFixtures.VALID.get(1).indent(2).replaceFirst("  name", "- name")
        + RuleGroupFixtures.recordingGroup("more", 1).indent(2).replaceFirst("  name", "- name"));
    Files.writeString(directory.resolve("team-a/up.yml"), "groups:\n"
        + RuleGroupFixtures.recordingGroup("up", 2).indent(2).replaceFirst("  name", "- name"));
    Files.writeString(directory.resolve("team-a/notes.txt"), "not a rule file");
    ServerBuilder sb = Server.builder().http(0);
    new RulesConfigApi(new LocalRuleStore(directory), RulerLimits.DEFAULT, TenantResolver.DEFAULT)
        .bind(sb, "/prometheus");
    server = sb.build();
    server.start().join();
  }

  @AfterEach
  void stop() {
    server.stop(); // Not waited for: Armeria takes 2 s to stop, and ports are random.
  }

  @Test
  void servesEachYamlFileOfTheTenantAsANamespaceNamedAfterIt() throws Exception {
    HttpResponse<String> list = send("team-a", "GET", "");
    assertThat(list.statusCode()).isEqualTo(200);
    assertThat(list.body()).startsWith("node.yaml:\n").contains("\nup.yml:\n", "name: alerting", "name: more")
        .doesNotContain("notes");
    assertThat(send("team-a", "GET", "/up.yml/up").body()).contains("record: r1");
    assertThat(send("team-a", "GET", "/up.yml/missing").statusCode()).isEqualTo(404);
    assertThat(send("team-b", "GET", "").body().strip()).isEqualTo("{}");
  }

  @Test
  void refusesEveryWriteWithMimirsStatus() throws Exception {
    for (String[] call : new String[][] {{"POST", "/up.yml"}, {"DELETE", "/up.yml/up"}, {"DELETE", "/up.yml"}}) {
      HttpResponse<String> write = send("team-a", call[0], call[1]);
      assertThat(write.statusCode()).as(call[0] + call[1]).isEqualTo(500);
      assertThat(write.body()).contains("the local rule store is read-only");
    }
    assertThat(send("team-a", "GET", "/up.yml/up").statusCode()).isEqualTo(200);
  }

  @Test
  void anInvalidRuleFileFailsTheReadNamingTheFileAndTheRule() throws Exception {
    Files.writeString(directory.resolve("team-a/bad.yaml"),
        "groups:\n- name: g\n  rules:\n  - record: a\n    expr: sum(\n- name: g\n  rules: []\n");
    HttpResponse<String> list = send("team-a", "GET", "");
    assertThat(list.statusCode()).isEqualTo(500);
    assertThat(list.body()).contains("bad.yaml is invalid", "groupname: \"g\" is repeated in the same file",
        "group \"g\", rule 1, \"a\": could not parse expression");
  }

  private HttpResponse<String> send(String tenant, String method, String path) throws Exception {
    HttpRequest request = HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + server.activeLocalPort() + "/prometheus/config/v1/rules" + path))
        .header("X-Scope-OrgID", tenant)
        .method(method, method.equals("POST") ? HttpRequest.BodyPublishers.ofString(
            RuleGroupFixtures.recordingGroup("new", 1)) : HttpRequest.BodyPublishers.noBody())
        .build();
    return client.send(request, HttpResponse.BodyHandlers.ofString());
  }
}
