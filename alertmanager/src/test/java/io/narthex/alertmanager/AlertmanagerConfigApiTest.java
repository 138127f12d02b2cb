package io.narthex.alertmanager;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.linecorp.armeria.server.Server;
import com.linecorp.armeria.server.ServerBuilder;
import io.narthex.common.TenantResolver;
import io.narthex.objstore.Bucket;
import io.narthex.objstore.Buckets;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Mimir's Alertmanager configuration API end to end: an Armeria server on a loopback port over a filesystem bucket. */
class AlertmanagerConfigApiTest {
  private static final AtomicInteger TENANTS = new AtomicInteger();
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  /** The one tenant with limits: 200-byte bodies, 1 template of at most 10 bytes. */
  private static final String LIMITED_TENANT = "limited";
  private static final String CONFIG = """
      # comments and layout are kept as written
      route:
        receiver: team   
        group_by: ['...']
      receivers:
      - name: team
        webhook_configs: [{url: 'http://hook.example.org/x'}]
      templates: [team.tmpl]
      """;

  @TempDir static Path root;
  private static Bucket bucket;
  private static Server server;
  private static final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();

  /** A tenant of its own for each test. */
  private final String tenant = "tenant-" + TENANTS.incrementAndGet();

  @BeforeAll
  static void start() throws Exception {
    bucket = Buckets.filesystem("alertmanager-test", root);
    ServerBuilder sb = Server.builder().http(0);
    new AlertmanagerConfigApi(new BucketAlertStore(bucket, BucketAlertStore.BLOCKS_BUCKET_ROOT),
        tenant -> tenant.equals(LIMITED_TENANT) ? new AlertmanagerLimits(200, 1, 10) : AlertmanagerLimits.UNLIMITED,
        TenantResolver.DEFAULT).bind(sb, true);
    server = sb.build();
    server.start().join();
  }

  @AfterAll
  static void stop() throws Exception {
    server.stop(); // Not waited for: ports are random.
    bucket.close();
  }

  @Test
  void setsConfigWith201AndAnswersItBackAsWrittenInMimirsYaml() throws Exception {
    String template = "{{ define \"team.title\" }}[{{ .Status | toUpper }}] {{ tenantID }}{{ end }}\n";
    HttpResponse<String> set = post(tenant, body(CONFIG, Map.of("team.tmpl", template)));
    assertThat(set.statusCode()).as(set.body()).isEqualTo(201);

    HttpResponse<String> get = send(tenant, "GET", "/api/v1/alerts", null);
    assertThat(get.statusCode()).isEqualTo(200);
    assertThat(get.headers().firstValue("content-type")).hasValueSatisfying(v -> assertThat(v)
        .startsWith("application/yaml"));
    JsonNode answer = YAML.readTree(get.body());
    assertThat(answer.get("alertmanager_config").asText()).isEqualTo(CONFIG);
    assertThat(answer.get("template_files").get("team.tmpl").asText()).isEqualTo(template);
  }

  @Test
  void storesOneObjectPerTenantAtMimirsKeyWithAlertConfigDescFields() throws Exception {
    assertThat(post(tenant, body(CONFIG, Map.of("team.tmpl", "x"))).statusCode()).isEqualTo(201);
    JsonNode stored;
    try (InputStream in = bucket.get("__alertmanager__/alerts/" + tenant)) {
      stored = new ObjectMapper().readTree(in);
    }
    assertThat(stored.get("user").asText()).isEqualTo(tenant);
    assertThat(stored.get("raw_config").asText()).isEqualTo(CONFIG);
    assertThat(stored.get("templates").get(0).get("filename").asText()).isEqualTo("team.tmpl");
    assertThat(stored.get("templates").get(0).get("body").asText()).isEqualTo("x");
  }

  @Test
  void getWithoutConfigAnswers404AndWithoutTenant401() throws Exception {
    HttpResponse<String> none = send(tenant, "GET", "/api/v1/alerts", null);
    assertThat(none.statusCode()).isEqualTo(404);
    assertThat(none.body()).contains("err-narthex-alertmanager-config-not-found");
    HttpResponse<String> anonymous = send(null, "GET", "/api/v1/alerts", null);
    assertThat(anonymous.statusCode()).isEqualTo(401);
    assertThat(anonymous.body()).startsWith("unable to determine the OrgID");
  }

  @Test
  void deleteAnswers200WhetherOrNotThereWasAConfig() throws Exception {
    assertThat(send(tenant, "DELETE", "/api/v1/alerts", null).statusCode()).isEqualTo(200);
    assertThat(post(tenant, body(CONFIG, Map.of())).statusCode()).isEqualTo(201);
    assertThat(send(tenant, "DELETE", "/api/v1/alerts", null).statusCode()).isEqualTo(200);
    assertThat(send(tenant, "GET", "/api/v1/alerts", null).statusCode()).isEqualTo(404);
  }

  @Test
  void rejectsEmptyConfigPointingAtTheDeleteEndpoint() throws Exception {
    HttpResponse<String> answer = post(tenant, "template_files: {}\n");
    assertThat(answer.statusCode()).isEqualTo(400);
    assertThat(answer.body()).contains("please use the delete configuration endpoint")
        .contains("err-narthex-alertmanager-invalid-config");
  }

  @Test
  void rejectsAnInvalidConfigWithAlertmanagersMessageAndKeepsThePreviousOne() throws Exception {
    assertThat(post(tenant, body(CONFIG, Map.of())).statusCode()).isEqualTo(201);
    HttpResponse<String> answer = post(tenant, body(CONFIG.replace("receiver: team", "receiver: nobody"), Map.of()));
    assertThat(answer.statusCode()).isEqualTo(400);
    assertThat(answer.body()).isEqualTo("error validating Alertmanager config: undefined receiver \"nobody\" used in "
        + "route (route) (err-narthex-alertmanager-invalid-config)\n");
    assertThat(YAML.readTree(send(tenant, "GET", "/api/v1/alerts", null).body()).get("alertmanager_config").asText())
        .isEqualTo(CONFIG);
  }

  @Test
  void rejectsABadMatcherNamingWhereItIs() throws Exception {
    HttpResponse<String> answer = post(tenant, body("""
        route:
          receiver: r
          routes: [{matchers: ['severity=~"(critical"']}]
        receivers: [{name: r}]
        """, Map.of()));
    assertThat(answer.statusCode()).isEqualTo(400);
    assertThat(answer.body()).contains("error parsing regexp").contains("(route.routes[0].matchers)");
  }

  @Test
  void rejectsMimirsForbiddenFieldsNamingThem() throws Exception {
    HttpResponse<String> answer = post(tenant, body(CONFIG.replace("url: 'http://hook.example.org/x'",
        "url: 'http://hook.example.org/x', http_config: {bearer_token_file: /var/run/secrets/token}"), Map.of()));
    assertThat(answer.statusCode()).isEqualTo(400);
    assertThat(answer.body()).contains("credentials_file is not allowed")
        .contains("receivers[0].webhook_configs[0].http_config.bearer_token_file")
        .contains("err-narthex-alertmanager-forbidden-field");
  }

  @Test
  void rejectsBodiesTemplatesAndTemplateSizesOverTheTenantsLimits() throws Exception {
    String small = "route: {receiver: r}\nreceivers: [{name: r}]\n";
    HttpResponse<String> tooBig = post(LIMITED_TENANT, body(small + "#".repeat(200), Map.of()));
    assertThat(tooBig.statusCode()).isEqualTo(400);
    assertThat(tooBig.body()).isEqualTo("Alertmanager configuration is too big, limit: 200 bytes "
        + "(err-narthex-alertmanager-max-config-size-bytes)\n");
    HttpResponse<String> tooMany = post(LIMITED_TENANT, body(small, Map.of("a", "x", "b", "y")));
    assertThat(tooMany.body()).contains("too many templates in the configuration: 2 (limit: 1)")
        .contains("err-narthex-alertmanager-max-templates-count");
    HttpResponse<String> tooLarge = post(LIMITED_TENANT, body(small, Map.of("a", "é".repeat(6))));
    assertThat(tooLarge.body()).contains("template a is too big: 12 bytes (limit: 10 bytes)")
        .contains("err-narthex-alertmanager-max-template-size-bytes");
    assertThat(post(LIMITED_TENANT, body(small, Map.of("a", "x"))).statusCode()).isEqualTo(201);
  }

  @Test
  void rejectsTemplateNamesWithAPath() throws Exception {
    HttpResponse<String> file = post(tenant, body(CONFIG, Map.of("../../etc/evil.tmpl", "x")));
    assertThat(file.statusCode()).isEqualTo(400);
    assertThat(file.body()).contains("invalid template name \"../../etc/evil.tmpl\"")
        .contains("err-narthex-alertmanager-invalid-template-name");
    HttpResponse<String> listed = post(tenant, body(CONFIG.replace("[team.tmpl]", "[/etc/*.tmpl]"), Map.of()));
    assertThat(listed.body()).contains("invalid template name \"/etc/*.tmpl\"");
  }

  @Test
  void rejectsTemplatesThatDoNotParseWithGosMessage() throws Exception {
    HttpResponse<String> undefined = post(tenant, body(CONFIG, Map.of("team.tmpl", "{{ nosuchfunc . }}")));
    assertThat(undefined.statusCode()).isEqualTo(400);
    assertThat(undefined.body()).contains("function \"nosuchfunc\" not defined")
        .contains("err-narthex-alertmanager-invalid-config");
    assertThat(post(tenant, body(CONFIG, Map.of("team.tmpl", "{{ if .Alerts }}"))).statusCode()).isEqualTo(400);
  }

  @Test
  void rejectsABodyThatIsNotMimirsYaml() throws Exception {
    HttpResponse<String> answer = post(tenant, "alertmanager_config: [1, 2]\n");
    assertThat(answer.statusCode()).isEqualTo(400);
    assertThat(answer.body()).startsWith("error marshalling YAML Alertmanager config: ");
  }

  @Test
  void internalRoutesListEveryTenantsConfigAndDeleteOne() throws Exception {
    assertThat(post(tenant, body(CONFIG, Map.of())).statusCode()).isEqualTo(201);
    HttpResponse<String> all = send(null, "GET", "/multitenant_alertmanager/configs", null);
    assertThat(all.statusCode()).isEqualTo(200);
    assertThat(YAML.readTree(all.body()).get(tenant).get("alertmanager_config").asText()).isEqualTo(CONFIG);
    assertThat(send(tenant, "POST", "/multitenant_alertmanager/delete_tenant_config", "").statusCode())
        .isEqualTo(200);
    assertThat(send(tenant, "GET", "/api/v1/alerts", null).statusCode()).isEqualTo(404);
  }

  private static String body(String config, Map<String, String> templates) throws Exception {
    return YAML.writeValueAsString(Map.of("alertmanager_config", config, "template_files", templates));
  }

  private static HttpResponse<String> post(String tenant, String body) throws Exception {
    return send(tenant, "POST", "/api/v1/alerts", body);
  }

  private static HttpResponse<String> send(String tenant, String method, String path, String body) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.activeLocalPort()
        + path)).method(method, body == null ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body));
    if (tenant != null) {
      request.header("X-Scope-OrgID", tenant);
    }
    return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }
}
