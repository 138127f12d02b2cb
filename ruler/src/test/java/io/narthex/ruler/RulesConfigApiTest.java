package io.narthex.ruler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.linecorp.armeria.server.Server;
import com.linecorp.armeria.server.ServerBuilder;
import io.narthex.common.TenantResolver;
import io.narthex.objstore.Bucket;
import io.narthex.objstore.Buckets;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Mimir's rules config API end to end: a real Armeria server on a loopback port over a filesystem bucket. */
class RulesConfigApiTest {
  private static final String RULES = "/prometheus/config/v1/rules";
  private static final String NO_FEDERATION_PREFIX = "/no-federation";
  private static final AtomicInteger TENANTS = new AtomicInteger();

  @TempDir static Path root;
  private static Bucket bucket;
  private static Server server;
  private static final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();

  /** The one tenant with its own limits: 1 rule per group, 2 groups. */
  private static final String OVERRIDDEN_TENANT = "overridden";

  /** A tenant of its own for each test, so that tests share the server but not their groups. */
  private final String tenant = "tenant-" + TENANTS.incrementAndGet();

  @BeforeAll
  static void start() throws Exception {
    bucket = Buckets.filesystem("ruler-test", root);
    ServerBuilder sb = Server.builder().http(0);
    new RulesConfigApi(new BucketRuleStore(bucket, BucketRuleStore.BLOCKS_BUCKET_ROOT),
        tenant -> tenant.equals(OVERRIDDEN_TENANT) ? new RulerLimits(1, 2) : new RulerLimits(3, 5),
        TenantResolver.DEFAULT).withTenantFederation(true).bind(sb, "/prometheus");
    // The same store without -ruler.tenant-federation.enabled, under its own prefix.
    new RulesConfigApi(new BucketRuleStore(bucket, BucketRuleStore.BLOCKS_BUCKET_ROOT), RulerLimits.DEFAULT,
        TenantResolver.DEFAULT).bind(sb, NO_FEDERATION_PREFIX);
    server = sb.build();
    server.start().join();
  }

  @AfterAll
  static void stop() throws Exception {
    server.stop(); // Not waited for: Armeria takes 2 s to stop, and ports are random.
    bucket.close();
  }

  @Test
  void setsGroupWithoutContentTypeAnswers202AndReadsItBackAsYaml() throws Exception {
    HttpResponse<String> set = post("ns", RuleGroupFixtures.VALID.get(1));
    assertThat(set.statusCode()).isEqualTo(202);
    assertThat(set.headers().firstValue("content-type")).hasValueSatisfying(v -> assertThat(v).contains("json"));
    assertThat(set.body()).isEqualTo("{\"status\":\"success\",\"data\":null,\"errorType\":\"\",\"error\":\"\"}");

    HttpResponse<String> get = send("GET", RULES + "/ns/alerting", null);
    assertThat(get.statusCode()).isEqualTo(200);
    assertThat(get.headers().firstValue("content-type")).hasValueSatisfying(v -> assertThat(v)
        .startsWith("application/yaml"));
    RuleGroup read = RuleYaml.group(get.body().getBytes(StandardCharsets.UTF_8));
    assertThat(read).isEqualTo(RuleYaml.group(RuleGroupFixtures.VALID.get(1).getBytes(StandardCharsets.UTF_8)));
    assertThat(read.rules().get(0).annotations()).containsEntry("description",
        "{{ $value | humanize }} for more than 5 minutes.");
  }

  @Test
  void acceptsEveryValidFixtureWithMimirExtensions() throws Exception {
    for (String yaml : RuleGroupFixtures.VALID) {
      assertThat(post("all", yaml).statusCode()).as(yaml).isEqualTo(202);
    }
    RuleGroup federated = RuleYaml.group(send("GET", RULES + "/all/federated", null).body()
        .getBytes(StandardCharsets.UTF_8));
    assertThat(federated.sourceTenants()).containsExactly("team-a", "team-b");
    assertThat(federated.queryOffset()).isEqualTo("1m");
    assertThat(federated.labels()).containsEntry("origin", "narthex");
    assertThat(federated.limit()).isEqualTo(10);
  }

  @Test
  void listsEveryNamespaceOrOneAsAYamlMapOfGroups() throws Exception {
    post("b", RuleGroupFixtures.recordingGroup("g2", 1));
    post("b", RuleGroupFixtures.recordingGroup("g1", 1));
    post("a", RuleGroupFixtures.recordingGroup("g3", 2));

    String all = send("GET", RULES, null).body();
    assertThat(all).startsWith("a:\n");
    assertThat(all.indexOf("name: g1")).isLessThan(all.indexOf("name: g2")).isGreaterThan(all.indexOf("name: g3"));
    String one = send("GET", RULES + "/b", null).body();
    assertThat(one).startsWith("b:\n").contains("name: g1", "name: g2").doesNotContain("g3");
  }

  @Test
  void listAnswersAnEmptyMapWhenTheTenantHasNoGroups() throws Exception {
    HttpResponse<String> list = send("GET", RULES, null);
    assertThat(list.statusCode()).isEqualTo(200);
    assertThat(list.body().strip()).isEqualTo("{}");
    assertThat(send("GET", RULES + "/none", null).body().strip()).isEqualTo("{}");
  }

  @Test
  void missingGroupAndNamespaceAre404WithMimirsMessages() throws Exception {
    HttpResponse<String> get = send("GET", RULES + "/ns/missing", null);
    assertThat(get.statusCode()).isEqualTo(404);
    assertThat(get.body()).startsWith("group does not exist (err-narthex-ruler-rule-group-not-found)");
    assertThat(send("DELETE", RULES + "/ns/missing", null).statusCode()).isEqualTo(404);
    HttpResponse<String> deleteNamespace = send("DELETE", RULES + "/ns", null);
    assertThat(deleteNamespace.statusCode()).isEqualTo(404);
    assertThat(deleteNamespace.body()).startsWith("group namespace does not exist");
  }

  @Test
  void deletesAGroupThenItsNamespace() throws Exception {
    post("ns", RuleGroupFixtures.recordingGroup("g1", 1));
    post("ns", RuleGroupFixtures.recordingGroup("g2", 1));

    HttpResponse<String> delete = send("DELETE", RULES + "/ns/g1", null);
    assertThat(delete.statusCode()).isEqualTo(202);
    assertThat(delete.body()).contains("\"status\":\"success\"");
    assertThat(send("GET", RULES + "/ns/g1", null).statusCode()).isEqualTo(404);
    assertThat(send("GET", RULES + "/ns/g2", null).statusCode()).isEqualTo(200);

    assertThat(send("DELETE", RULES + "/ns", null).statusCode()).isEqualTo(202);
    assertThat(send("GET", RULES + "/ns/g2", null).statusCode()).isEqualTo(404);
    assertThat(send("GET", RULES, null).body().strip()).isEqualTo("{}");
  }

  @Test
  void percentDecodesNamespaceAndGroupAndStoresThemAtMimirsObjectKey() throws Exception {
    String group = "name: g/1 x\nrules:\n  - record: a\n    expr: up\n";
    assertThat(post("team%2Fa b", group).statusCode()).isEqualTo(202);

    HttpResponse<String> get = send("GET", RULES + "/team%2Fa%20b/g%2F1%20x", null);
    assertThat(get.statusCode()).isEqualTo(200);
    assertThat(get.body()).contains("name: g/1 x");
    assertThat(send("GET", RULES, null).body()).startsWith("team/a b:\n");
    Base64.Encoder base64url = Base64.getUrlEncoder();
    assertThat(bucket.exists("__ruler__/rules/" + tenant + "/"
        + base64url.encodeToString("team/a b".getBytes(StandardCharsets.UTF_8)) + "/"
        + base64url.encodeToString("g/1 x".getBytes(StandardCharsets.UTF_8)))).isTrue();
    assertThatThrownBy(() -> RulesConfigApi.pathUnescape("bad%zz")).hasMessageContaining("invalid URL escape \"%zz\"");
  }

  @Test
  void refusesFederatedGroupWhileRulesFederationIsDisabledAsMimir() throws Exception {
    String federated = "name: fed\nsource_tenants: [team-a, team-b]\n"
        + "rules:\n  - record: a:count\n    expr: count(up)\n";
    HttpResponse<String> refused = send("POST", NO_FEDERATION_PREFIX + "/config/v1/rules/ns", federated);
    assertThat(refused.statusCode()).isEqualTo(400);
    assertThat(refused.body()).contains("rule group 'fed' is a federated rule group, but rules federation is disabled")
        .contains("(err-narthex-ruler-tenant-federation-disabled)");
    assertThat(send("GET", RULES, null).body().strip()).isEqualTo("{}");
    // A group without source_tenants is accepted there, and the federated one where federation is on.
    assertThat(send("POST", NO_FEDERATION_PREFIX + "/config/v1/rules/ns",
        RuleGroupFixtures.recordingGroup("plain", 1)).statusCode()).isEqualTo(202);
    assertThat(post("ns", federated).statusCode()).isEqualTo(202);
  }

  @Test
  void rejectsInvalidGroupsWithPrometheusMessagesAndLeavesStoredRulesUntouched() throws Exception {
    for (RuleGroupFixtures.Invalid invalid : RuleGroupFixtures.INVALID) {
      HttpResponse<String> set = post("ns", invalid.yaml());
      assertThat(set.statusCode()).as(invalid.yaml()).isEqualTo(400);
      assertThat(set.body()).as(invalid.yaml()).contains(invalid.message())
          .contains("(err-narthex-ruler-invalid-rule-group)");
    }
    // Stricter than promtool 2.42, which drops an empty entry of the rules list: Narthex names it.
    assertThat(post("ns", "name: null-rule\nrules:\n  -\n").body())
        .startsWith("group \"null-rule\", rule 1, \"\": one of 'record' or 'alert' must be set, ");
    assertThat(send("GET", RULES, null).body().strip()).isEqualTo("{}");

    post("ns", RuleGroupFixtures.recordingGroup("kept", 1));
    String before = send("GET", RULES + "/ns/kept", null).body();
    assertThat(post("ns", "name: kept\nrules:\n  - record: a\n    expr: sum(\n").statusCode()).isEqualTo(400);
    assertThat(send("GET", RULES + "/ns/kept", null).body()).isEqualTo(before);
  }

  @Test
  void rejectsAGroupWithMoreRulesThanTheLimit() throws Exception {
    HttpResponse<String> set = post("ns", RuleGroupFixtures.recordingGroup("big", 4));
    assertThat(set.statusCode()).isEqualTo(400);
    assertThat(set.body()).isEqualTo("per-user rules per rule group limit (limit: 3 actual: 4) exceeded"
        + " (err-narthex-ruler-max-rules-per-rule-group)\n");
    assertThat(post("ns", RuleGroupFixtures.recordingGroup("limited", 3)).statusCode()).isEqualTo(202);
  }

  @Test
  void rejectsANewGroupPastTheTenantLimitButReplacesAnExistingOne() throws Exception {
    for (int i = 0; i < 5; i++) {
      assertThat(post("ns" + (i % 2), RuleGroupFixtures.recordingGroup("g" + i, 1)).statusCode()).isEqualTo(202);
    }
    HttpResponse<String> sixth = post("ns0", RuleGroupFixtures.recordingGroup("g5", 1));
    assertThat(sixth.statusCode()).isEqualTo(400);
    assertThat(sixth.body()).isEqualTo("per-user rule groups limit (limit: 5 actual: 6) exceeded"
        + " (err-narthex-ruler-max-rule-groups-per-tenant)\n");
    assertThat(send("GET", RULES + "/ns0/g5", null).statusCode()).isEqualTo(404);
    // The same name in another namespace is another group.
    assertThat(post("ns1", RuleGroupFixtures.recordingGroup("g0", 1)).statusCode()).isEqualTo(400);
    assertThat(post("ns0", RuleGroupFixtures.recordingGroup("g0", 2)).statusCode()).isEqualTo(202);
  }

  @Test
  void appliesTheTenantsOwnLimitsReadAtEachWrite() throws Exception {
    HttpResponse<String> two = sendAs(OVERRIDDEN_TENANT, "POST", RULES + "/ns", RuleGroupFixtures.recordingGroup("g", 2));
    assertThat(two.statusCode()).isEqualTo(400);
    assertThat(two.body()).startsWith("per-user rules per rule group limit (limit: 1 actual: 2) exceeded");
    assertThat(sendAs(OVERRIDDEN_TENANT, "POST", RULES + "/ns", RuleGroupFixtures.recordingGroup("a", 1)).statusCode())
        .isEqualTo(202);
    assertThat(sendAs(OVERRIDDEN_TENANT, "POST", RULES + "/ns", RuleGroupFixtures.recordingGroup("b", 1)).statusCode())
        .isEqualTo(202);
    assertThat(sendAs(OVERRIDDEN_TENANT, "POST", RULES + "/ns", RuleGroupFixtures.recordingGroup("c", 1)).body())
        .startsWith("per-user rule groups limit (limit: 2 actual: 3) exceeded");
    assertThat(post("ns", RuleGroupFixtures.recordingGroup("g", 2)).statusCode()).isEqualTo(202);
  }

  @Test
  void requiresATenant() throws Exception {
    HttpResponse<String> list = client.send(HttpRequest.newBuilder(uri(RULES)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(list.statusCode()).isEqualTo(401);
    assertThat(list.body()).isEqualTo("no org id\n");
  }

  @Test
  void answers405ForAnotherMethodAnd404ForADeeperPath() throws Exception {
    assertThat(send("PUT", RULES + "/ns", "x").statusCode()).isEqualTo(405);
    assertThat(send("POST", RULES, "x").statusCode()).isEqualTo(405);
    assertThat(send("POST", RULES + "/ns/g", "x").statusCode()).isEqualTo(405);
    assertThat(send("GET", RULES + "/ns/g/extra", null).statusCode()).isEqualTo(404);
  }

  private HttpResponse<String> post(String rawNamespace, String yaml) throws Exception {
    return send("POST", RULES + "/" + rawNamespace.replace(" ", "%20"), yaml);
  }

  /** Sends with the tenant header and, for a body, no {@code Content-Type}, as mimirtool does. */
  private HttpResponse<String> send(String method, String path, String body) throws Exception {
    return sendAs(tenant, method, path, body);
  }

  private HttpResponse<String> sendAs(String tenant, String method, String path, String body) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(uri(path)).header("X-Scope-OrgID", tenant)
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body));
    return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static URI uri(String path) {
    return URI.create("http://127.0.0.1:" + server.activeLocalPort() + path);
  }
}
