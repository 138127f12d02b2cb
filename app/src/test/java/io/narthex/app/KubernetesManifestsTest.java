package io.narthex.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.openshift.api.model.monitoring.v1.ServiceMonitor;
import io.narthex.app.NarthexOptions.Target;
import io.narthex.ingester.ring.ShardMap;
import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

/**
 * The Kubernetes manifests under deploy/kubernetes (docs/operations.md#kubernetes), rendered as {@code kustomize
 * build} renders them, are valid objects of the Kubernetes API and fit Narthex: every field is one the API's schema
 * has, with its type (fabric8's kubernetes-model, generated from the Kubernetes OpenAPI schemas, read strictly: an
 * unknown field or a wrong type fails), selectors select, every probe and Service port names a container port, the
 * disruption budgets keep each Raft group's quorum, the network policies admit each port only from the components
 * that dial it, and every container's flags and the ConfigMap parse as Narthex parses them, with each StatefulSet
 * pod named in its ring.
 */
class KubernetesManifestsTest {
  private static final Path KUBERNETES = Path.of("../deploy/kubernetes");
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  /** Flag names that hold a credential. */
  private static final Pattern CREDENTIAL = Pattern.compile("secret|password|access-key|token");
  /**
   * Component/port to the components that open connections to it (besides http, which any pod of the namespace
   * may reach): Modules builds a Raft client per shard for the distributor and the ruler (RaftShardWriter), the
   * ingesters replicate and transfer leadership over Raft, QuerierModule opens gRPC channels to the ingesters and
   * store-gateways for the querier and the ruler, a querier without an ingester reads the ring group over Raft
   * (RingPoller), and the alertmanagers replicate their state over Raft.
   */
  private static final Map<String, Set<String>> DIALS = Map.of(
      "ingester/raft", Set.of("ingester", "distributor", "ruler", "querier"),
      "ingester/grpc", Set.of("querier", "ruler"),
      "store-gateway/grpc", Set.of("querier", "ruler"),
      "alertmanager/raft", Set.of("alertmanager"));
  /** As the API server reads objects: no field it does not know, no string where a number belongs. */
  private static final ObjectMapper STRICT = JsonMapper.builder()
      .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
      .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
      .build();
  private static final Map<String, Class<? extends HasMetadata>> KINDS = Map.of(
      "v1/ConfigMap", ConfigMap.class,
      "v1/Service", Service.class,
      "apps/v1/StatefulSet", StatefulSet.class,
      "apps/v1/Deployment", Deployment.class,
      "policy/v1/PodDisruptionBudget", PodDisruptionBudget.class,
      "networking.k8s.io/v1/NetworkPolicy", NetworkPolicy.class,
      "monitoring.coreos.com/v1/ServiceMonitor", ServiceMonitor.class);

  @TempDir
  Path work;

  @ParameterizedTest
  @ValueSource(strings = {"single-process", "microservices"})
  void everyObjectIsValidAgainstTheKubernetesSchemas(String base) throws Exception {
    List<HasMetadata> objects = new ArrayList<>();
    for (JsonNode node : render(KUBERNETES.resolve(base))) {
      objects.add(strict(node));
    }
    assertThat(objects).extracting(HasMetadata::getKind)
        .contains("ConfigMap", "Service", "StatefulSet", "ServiceMonitor", "NetworkPolicy");
  }

  @ParameterizedTest
  @ValueSource(strings = {"single-process", "microservices"})
  void renderedAsKubectlKustomizeRendersThem(String base) throws Exception {
    Path kubectl = Stream.of(System.getenv().getOrDefault("PATH", "").split(":"))
        .map(dir -> Path.of(dir, "kubectl")).filter(Files::isExecutable).findFirst().orElse(null);
    org.junit.jupiter.api.Assumptions.assumeTrue(kubectl != null,
        "skipped: no kubectl on PATH to compare this test's rendering of the kustomizations with kustomize's");
    Process process = new ProcessBuilder(kubectl.toString(), "kustomize", KUBERNETES.resolve(base).toString())
        .redirectError(ProcessBuilder.Redirect.INHERIT).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).isZero();
    assertThat(byKindAndName(documents(output))).isEqualTo(byKindAndName(render(KUBERNETES.resolve(base))));
  }

  @ParameterizedTest
  @ValueSource(strings = {"single-process", "microservices"})
  void selectorsSelectAndPortsAndProbesNameContainerPorts(String base) throws Exception {
    List<HasMetadata> objects = objects(base);
    List<PodTemplateSpec> templates = new ArrayList<>();
    for (HasMetadata object : objects) {
      if (object instanceof StatefulSet set) {
        assertThat(set.getSpec().getTemplate().getMetadata().getLabels())
            .containsAllEntriesOf(set.getSpec().getSelector().getMatchLabels());
        assertThat(objects).as("the governing Service of %s", name(set))
            .anySatisfy(o -> assertThat(o).isInstanceOf(Service.class)
                .extracting(HasMetadata::getMetadata).extracting("name").isEqualTo(set.getSpec().getServiceName()));
        templates.add(set.getSpec().getTemplate());
      } else if (object instanceof Deployment deployment) {
        assertThat(deployment.getSpec().getTemplate().getMetadata().getLabels())
            .containsAllEntriesOf(deployment.getSpec().getSelector().getMatchLabels());
        templates.add(deployment.getSpec().getTemplate());
      }
    }
    for (PodTemplateSpec template : templates) {
      for (Container container : template.getSpec().getContainers()) {
        Set<String> ports = new HashSet<>();
        container.getPorts().forEach(port -> ports.add(port.getName()));
        assertThat(container.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/ready");
        assertThat(ports).contains(container.getReadinessProbe().getHttpGet().getPort().getStrVal(), "http");
        for (String resource : List.of("cpu", "memory")) {
          // Throws on a malformed quantity, as the API server rejects one.
          assertThat(Quantity.getAmountInBytes(container.getResources().getRequests().get(resource)).signum())
              .isPositive();
        }
        assertThat(container.getResources().getLimits().get("memory"))
            .as("memory limit of %s: the heap is sized from it", container.getName())
            .isEqualTo(container.getResources().getRequests().get("memory"));
      }
    }
    for (HasMetadata object : objects) {
      if (object instanceof Service service) {
        List<PodTemplateSpec> selected = selected(templates, service.getSpec().getSelector());
        assertThat(selected).as("pods of Service %s", name(service)).hasSize(1);
        Set<String> ports = new HashSet<>();
        selected.getFirst().getSpec().getContainers().forEach(c -> c.getPorts().forEach(p -> ports.add(p.getName())));
        for (ServicePort port : service.getSpec().getPorts()) {
          assertThat(ports).contains(port.getTargetPort().getStrVal());
        }
      } else if (object instanceof ServiceMonitor monitor) {
        long services = objects.stream().filter(Service.class::isInstance).count();
        assertThat(objects.stream().filter(o -> o instanceof Service s
            && s.getMetadata().getLabels().entrySet().containsAll(monitor.getSpec().getSelector().getMatchLabels()
                .entrySet())).count()).as("Services the ServiceMonitor scrapes").isEqualTo(services);
        assertThat(monitor.getSpec().getEndpoints()).allSatisfy(endpoint -> {
          assertThat(endpoint.getPort()).isEqualTo("http");
          assertThat(endpoint.getPath()).isEqualTo("/metrics");
        });
      }
    }
  }

  @Test
  void disruptionBudgetsKeepEveryRaftGroupsQuorum() throws Exception {
    List<HasMetadata> objects = objects("microservices");
    List<PodDisruptionBudget> budgets = objects.stream().filter(PodDisruptionBudget.class::isInstance)
        .map(PodDisruptionBudget.class::cast).toList();
    for (String raft : List.of("narthex-ingester", "narthex-alertmanager")) {
      StatefulSet set = (StatefulSet) objects.stream()
          .filter(o -> o instanceof StatefulSet && name(o).equals(raft)).findFirst().orElseThrow();
      List<PodDisruptionBudget> covering = budgets.stream().filter(budget -> set.getSpec().getTemplate()
          .getMetadata().getLabels().entrySet().containsAll(budget.getSpec().getSelector().getMatchLabels()
              .entrySet())).toList();
      assertThat(covering).as("budgets covering %s", raft).hasSize(1);
      int replicas = set.getSpec().getReplicas();
      int maxUnavailable = covering.getFirst().getSpec().getMaxUnavailable().getIntVal();
      // Each Raft group has 3 replicas on 3 distinct pods: with one pod down, every group keeps 2 of 3.
      assertThat(maxUnavailable).as("pods of %s down at once", raft).isEqualTo(1);
      assertThat(replicas).isGreaterThanOrEqualTo(3);
      assertThat(set.getSpec().getPodManagementPolicy()).isEqualTo("Parallel");
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"single-process", "microservices"})
  void flagsAndConfigParseAsNarthexParsesThemAndEveryPodIsInItsRing(String base) throws Exception {
    List<HasMetadata> objects = objects(base);
    ConfigMap config = (ConfigMap) objects.stream().filter(ConfigMap.class::isInstance).findFirst().orElseThrow();
    Path configFile = work.resolve(base + ".yaml");
    String yamlText = config.getData().get("narthex.yaml");
    Files.writeString(configFile, yamlText);
    int checked = 0;
    for (HasMetadata object : objects) {
      PodTemplateSpec template;
      int replicas;
      String service = null;
      if (object instanceof StatefulSet set) {
        template = set.getSpec().getTemplate();
        replicas = set.getSpec().getReplicas();
        service = set.getSpec().getServiceName();
      } else if (object instanceof Deployment deployment) {
        template = deployment.getSpec().getTemplate();
        replicas = 1;
      } else {
        continue;
      }
      Container container = template.getSpec().getContainers().getFirst();
      for (int ordinal = 0; ordinal < replicas; ordinal++) {
        String pod = name(object) + (service == null ? "-6b8f7c9d4-x2x7q" : "-" + ordinal);
        Map<String, String> env = environment(container, pod);
        List<String> args = new ArrayList<>();
        for (String arg : container.getArgs()) {
          // Kubernetes expands $(VAR) in args from the container's env.
          Matcher reference = Pattern.compile("\\$\\(([A-Za-z_][A-Za-z0-9_]*)\\)").matcher(arg);
          args.add(reference.replaceAll(match -> {
            assertThat(env).as("%s: %s", container.getName(), arg).containsKey(match.group(1));
            return Matcher.quoteReplacement(env.get(match.group(1)));
          }));
        }
        assertThat(args.getFirst()).isEqualTo("--config.file=/etc/narthex/narthex.yaml");
        args.set(0, "--config.file=" + configFile);
        NarthexOptions options = NarthexOptions.parse(env, args.toArray(String[]::new));
        if (options.bucket.backend.equals("s3")) {
          // The Secret's keys reach the bucket through the file, expanded from the env (realistic values, with
          // the characters of AWS secret keys and YAML's ": #" that the quoting must keep).
          assertThat(options.expandEnv).as(container.getName()).isTrue();
          assertThat(options.bucket.s3AccessKeyId).isEqualTo(env.get("S3_ACCESS_KEY_ID")).isNotEmpty();
          assertThat(options.bucket.s3SecretAccessKey).isEqualTo(env.get("S3_SECRET_ACCESS_KEY")).isNotEmpty();
        }
        if (options.expandEnv) {
          // Mimir expands an unset variable to "" without a word: every reference must be in the env.
          Matcher reference = Pattern.compile("\\$\\{?([A-Za-z0-9_]+)").matcher(yamlText);
          while (reference.find()) {
            assertThat(env).as("%s's env for the ConfigMap's $%s", container.getName(), reference.group(1))
                .containsKey(reference.group(1));
          }
        }
        ShardMap shards = RingConfig.shardMap(options);
        Map<String, String> storeGateways = RingConfig.storeGateways(options, shards);
        List<String> compactors = RingConfig.compactors(options, shards);
        RingConfig.alertmanagerPlacement(options);
        if (options.components().contains(Target.RULER)) {
          RingConfig.rulers(options); // a ruler must be in the ruler ring, when there is one
        }
        if (service == null) {
          continue;
        }
        Map<String, Integer> ports = new TreeMap<>();
        for (ContainerPort port : container.getPorts()) {
          ports.put(port.getName(), port.getContainerPort());
        }
        String host = pod + "." + service;
        String yaml = config.getData().get("narthex.yaml");
        switch (options.targets.size() == 1 ? options.targets.getFirst() : Target.ALL) {
          case INGESTER -> {
            assertThat(shards.nodes()).as("%s in ingester.ring.nodes", pod)
                .contains(new ShardMap.Node(pod, host + ":" + ports.get("grpc"), host + ":" + ports.get("raft")));
            assertThat(shards.nodes()).hasSize(replicas);
          }
          case STORE_GATEWAY ->
              assertThat(storeGateways).containsEntry(pod, host + ":" + ports.get("grpc")).hasSize(replicas);
          case COMPACTOR -> assertThat(compactors).contains(pod).hasSize(replicas);
          case ALERTMANAGER ->
              assertThat(yaml).contains("{id: " + pod + ", raft_address: \"" + host + ":" + ports.get("raft") + "\"}");
          case RULER ->
              assertThat(yaml).contains("{id: " + pod + ", http_address: \"" + host + ":" + ports.get("http") + "\"}");
          default -> assertThat(options.targets).containsExactly(Target.ALL);
        }
        checked++;
      }
    }
    assertThat(checked).isPositive();
  }

  /**
   * Who may open a connection to which port, as the API defines a NetworkPolicy: a pod that some Ingress policy
   * selects takes only what one of those policies' rules admits, a rule admitting its peers (all, when it names
   * none) on its ports (all, when it names none). Every container port of every pod is tried from every pod of the
   * kustomization, from a pod of another application in the namespace and from a Narthex pod in another
   * namespace, and must be admitted exactly when {@link #DIALS} (with http from the whole namespace) says so.
   */
  @ParameterizedTest
  @ValueSource(strings = {"single-process", "microservices"})
  void networkPoliciesAdmitEachPortOnlyFromWhatDialsIt(String base) throws Exception {
    List<HasMetadata> objects = objects(base);
    List<NetworkPolicy> policies = objects.stream().filter(NetworkPolicy.class::isInstance)
        .map(NetworkPolicy.class::cast).toList();
    assertThat(policies).isNotEmpty();
    List<PodTemplateSpec> templates = new ArrayList<>();
    for (HasMetadata object : objects) {
      if (object instanceof StatefulSet set) {
        templates.add(set.getSpec().getTemplate());
      } else if (object instanceof Deployment deployment) {
        templates.add(deployment.getSpec().getTemplate());
      }
    }
    record Source(String name, Map<String, String> labels, boolean sameNamespace) {}
    List<Source> sources = new ArrayList<>();
    for (PodTemplateSpec template : templates) {
      sources.add(new Source(component(template), template.getMetadata().getLabels(), true));
    }
    sources.add(new Source("grafana", Map.of("app.kubernetes.io/name", "grafana"), true));
    // Labels as a Narthex ingester's, but in another namespace: a podSelector alone selects in the policy's own.
    sources.add(new Source("elsewhere", templates.getFirst().getMetadata().getLabels(), false));
    int tried = 0;
    for (PodTemplateSpec target : templates) {
      for (ContainerPort port : target.getSpec().getContainers().getFirst().getPorts()) {
        Set<String> dialers = DIALS.getOrDefault(component(target) + "/" + port.getName(), Set.of());
        for (Source source : sources) {
          boolean expected = source.sameNamespace() && (port.getName().equals("http")
              || dialers.contains(source.name()));
          boolean admitted = admits(policies, target.getMetadata().getLabels(), port, source.labels(),
              source.sameNamespace());
          assertThat(admitted).as("%s -> %s:%s", source.name(), component(target), port.getName())
              .isEqualTo(expected);
          tried++;
        }
      }
    }
    assertThat(tried).isPositive();
  }

  private static String component(PodTemplateSpec template) {
    return template.getMetadata().getLabels().get("app.kubernetes.io/component");
  }

  /** Whether the policies admit a TCP connection from a pod with {@code source} labels to {@code port}. */
  private static boolean admits(List<NetworkPolicy> policies, Map<String, String> target, ContainerPort port,
      Map<String, String> source, boolean sameNamespace) {
    boolean isolated = false;
    for (NetworkPolicy policy : policies) {
      List<String> types = policy.getSpec().getPolicyTypes();
      if (!selects(policy.getSpec().getPodSelector(), target)
          || (types != null && !types.isEmpty() && !types.contains("Ingress"))) {
        continue;
      }
      isolated = true;
      for (NetworkPolicyIngressRule rule : policy.getSpec().getIngress()) {
        boolean fromMatches = rule.getFrom() == null || rule.getFrom().isEmpty();
        for (NetworkPolicyPeer peer : rule.getFrom() == null ? List.<NetworkPolicyPeer>of() : rule.getFrom()) {
          assertThat(peer.getIpBlock()).as("ipBlock peers are not modelled here").isNull();
          assertThat(peer.getNamespaceSelector()).as("namespaceSelector peers are not modelled here").isNull();
          assertThat(peer.getPodSelector()).as("a peer names pods, a namespace or addresses").isNotNull();
          fromMatches |= sameNamespace && selects(peer.getPodSelector(), source);
        }
        boolean portMatches = rule.getPorts() == null || rule.getPorts().isEmpty();
        for (NetworkPolicyPort rulePort : rule.getPorts() == null ? List.<NetworkPolicyPort>of() : rule.getPorts()) {
          assertThat(rulePort.getEndPort()).as("port ranges are not modelled here").isNull();
          IntOrString number = rulePort.getPort();
          boolean tcp = rulePort.getProtocol() == null || rulePort.getProtocol().equals("TCP");
          portMatches |= tcp && (number == null || (number.getStrVal() != null
              ? number.getStrVal().equals(port.getName()) : number.getIntVal().equals(port.getContainerPort())));
        }
        if (fromMatches && portMatches) {
          return true;
        }
      }
    }
    return !isolated;
  }

  private static boolean selects(LabelSelector selector, Map<String, String> labels) {
    assertThat(selector.getMatchExpressions() == null || selector.getMatchExpressions().isEmpty())
        .as("matchExpressions are not modelled here").isTrue();
    Map<String, String> wanted = selector.getMatchLabels() == null ? Map.of() : selector.getMatchLabels();
    return labels.entrySet().containsAll(wanted.entrySet());
  }

  /** No credential is a container's argument, where {@code ps} in the pod and the pod's spec would show it. */
  @ParameterizedTest
  @ValueSource(strings = {"single-process", "microservices"})
  void noContainerArgumentHoldsACredential(String base) throws Exception {
    Set<String> credentialFlags = new HashSet<>();
    for (CommandLine.Model.OptionSpec option : new CommandLine(new NarthexOptions()).getCommandSpec().options()) {
      for (String name : option.names()) {
        if (CREDENTIAL.matcher(name).find()) {
          credentialFlags.add(name);
        }
      }
    }
    assertThat(credentialFlags).as("credential flags this test knows")
        .contains("--blocks-storage.s3.secret-access-key", "-blocks-storage.s3.access-key-id");
    int containers = 0;
    for (HasMetadata object : objects(base)) {
      PodTemplateSpec template = object instanceof StatefulSet set ? set.getSpec().getTemplate()
          : object instanceof Deployment deployment ? deployment.getSpec().getTemplate() : null;
      if (template == null) {
        continue;
      }
      for (Container container : template.getSpec().getContainers()) {
        Set<String> secretVariables = new HashSet<>();
        for (EnvVar variable : container.getEnv()) {
          if (variable.getValueFrom() != null && variable.getValueFrom().getSecretKeyRef() != null) {
            secretVariables.add(variable.getName());
          } else {
            assertThat(variable.getName()).as("%s: a plain env value named as a credential", container.getName())
                .doesNotContainPattern(CREDENTIAL.pattern().replace('-', '_').toUpperCase(Locale.ROOT));
          }
        }
        List<String> argsAndCommand = new ArrayList<>(container.getArgs());
        if (container.getCommand() != null) {
          argsAndCommand.addAll(container.getCommand());
        }
        for (String arg : argsAndCommand) {
          assertThat(arg.replaceFirst("=.*", "")).as("%s: %s", container.getName(), arg).isNotIn(credentialFlags);
          for (String variable : secretVariables) {
            assertThat(arg).as("%s: %s", container.getName(), arg).doesNotContain("$(" + variable + ")");
          }
        }
        containers++;
      }
    }
    assertThat(containers).isPositive();
  }

  /** A typo'd field or a wrong type anywhere fails the check, as it would fail {@code kubectl apply}. */
  @Test
  void anUnknownFieldOrAWrongTypeFails() throws Exception {
    JsonNode ingester = render(KUBERNETES.resolve("microservices")).stream()
        .filter(node -> node.path("kind").asText().equals("StatefulSet")).findFirst().orElseThrow();
    ObjectNode typo = ingester.deepCopy();
    ((ObjectNode) typo.path("spec").path("template").path("spec").path("containers").path(0).path("readinessProbe"))
        .set("httpGett", typo.path("spec").path("template").path("spec").path("containers").path(0)
            .path("readinessProbe").path("httpGet"));
    assertThatThrownBy(() -> strict(typo)).hasMessageContaining("httpGett")
        .hasMessageContaining("spec.template.spec.containers[0].readinessProbe");
    ObjectNode policy = render(KUBERNETES.resolve("microservices")).stream()
        .filter(node -> node.path("kind").asText().equals("NetworkPolicy")).findFirst().orElseThrow().deepCopy();
    ((ObjectNode) policy.path("spec").path("ingress").path(0).path("ports").path(0)).put("prot", "TCP");
    assertThatThrownBy(() -> strict(policy)).hasMessageContaining("spec.ingress[0].ports[0].prot");
    ObjectNode wrongType = ingester.deepCopy();
    ((ObjectNode) wrongType.path("spec")).put("replicas", "3");
    assertThatThrownBy(() -> strict(wrongType)).hasMessageContaining("replicas");
    ObjectNode wrongQuantity = ingester.deepCopy();
    ((ObjectNode) wrongQuantity.path("spec").path("template").path("spec").path("containers").path(0)
        .path("resources").path("requests")).put("memory", "2 GiB");
    assertThatThrownBy(() -> Quantity.getAmountInBytes(
        strict(wrongQuantity) instanceof StatefulSet set
            ? set.getSpec().getTemplate().getSpec().getContainers().getFirst().getResources().getRequests()
                .get("memory")
            : null)).isInstanceOf(IllegalArgumentException.class);
  }

  private List<HasMetadata> objects(String base) throws IOException {
    List<HasMetadata> objects = new ArrayList<>();
    for (JsonNode node : render(KUBERNETES.resolve(base))) {
      objects.add(strict(node));
    }
    return objects;
  }

  /**
   * The object as its kind's model, read strictly.
   *
   * @throws IllegalArgumentException naming the kind, the object and the path of a field the schema does not have
   */
  private static HasMetadata strict(JsonNode node) throws IOException {
    String key = node.path("apiVersion").asText() + "/" + node.path("kind").asText();
    Class<? extends HasMetadata> type = KINDS.get(key);
    if (type == null) {
      throw new IllegalArgumentException("no schema here for " + key + ": add its model to KINDS");
    }
    HasMetadata object = STRICT.treeToValue(node, type);
    List<String> unknown = new ArrayList<>();
    unknownFields(object, "", unknown);
    if (!unknown.isEmpty()) {
      throw new IllegalArgumentException(key + " " + node.path("metadata").path("name").asText()
          + ": fields the Kubernetes schema does not have: " + unknown);
    }
    return object;
  }

  /**
   * The models keep fields they do not know in {@code additionalProperties} (as the API server prunes them); any
   * there is a typo or a field of another kind.
   */
  private static void unknownFields(Object value, String path, List<String> unknown) {
    if (value == null || value instanceof String || value instanceof Number || value instanceof Boolean) {
      return;
    }
    if (value instanceof Collection<?> list) {
      int i = 0;
      for (Object item : list) {
        unknownFields(item, path + "[" + i++ + "]", unknown);
      }
      return;
    }
    if (value instanceof Map<?, ?> map) {
      for (Map.Entry<?, ?> entry : map.entrySet()) {
        unknownFields(entry.getValue(), path + "." + entry.getKey(), unknown);
      }
      return;
    }
    if (!value.getClass().getPackageName().startsWith("io.fabric8.")) {
      return;
    }
    for (Class<?> type = value.getClass(); type != Object.class; type = type.getSuperclass()) {
      for (Field field : type.getDeclaredFields()) {
        JsonProperty property = field.getAnnotation(JsonProperty.class);
        boolean additional = field.getName().equals("additionalProperties");
        if (Modifier.isStatic(field.getModifiers()) || (property == null && !additional)) {
          continue;
        }
        Object fieldValue;
        try {
          field.setAccessible(true);
          fieldValue = field.get(value);
        } catch (ReflectiveOperationException e) {
          throw new IllegalStateException(field.toString(), e);
        }
        if (additional && fieldValue != null) {
          ((Map<?, ?>) fieldValue).keySet().forEach(name -> unknown.add((path.isEmpty() ? "" : path + ".") + name));
        } else if (!additional) {
          unknownFields(fieldValue, path.isEmpty() ? property.value() : path + "." + property.value(), unknown);
        }
      }
    }
  }

  /**
   * The objects a kustomization renders, for the fields these kustomizations use: {@code resources} (files, or
   * directories with their own kustomization), {@code labels} (added to each object's labels, as kustomize's
   * default {@code includeSelectors: false}) and {@code images}. Any other field fails, so the rendering here
   * never silently differs from kustomize's (which the kubectl test compares where kubectl is installed).
   */
  static List<JsonNode> render(Path dir) throws IOException {
    JsonNode kustomization = YAML.readTree(dir.resolve("kustomization.yaml").toFile());
    Set<String> supported = Set.of("apiVersion", "kind", "resources", "labels", "images");
    kustomization.fieldNames().forEachRemaining(field -> {
      if (!supported.contains(field)) {
        throw new IllegalArgumentException(dir + ": kustomization field " + field + " is not rendered by this test");
      }
    });
    List<JsonNode> objects = new ArrayList<>();
    for (JsonNode resource : kustomization.path("resources")) {
      Path path = dir.resolve(resource.asText()).normalize();
      assertThat(path).as("kustomize loads files under its root only").startsWith(dir.normalize());
      objects.addAll(Files.isDirectory(path) ? render(path) : documents(Files.readString(path)));
    }
    for (JsonNode label : kustomization.path("labels")) {
      assertThat(label.path("includeSelectors").asBoolean(false)).isFalse();
      assertThat(label.path("includeTemplates").asBoolean(false)).isFalse();
      for (JsonNode object : objects) {
        ObjectNode metadata = (ObjectNode) object.path("metadata");
        ObjectNode labels = metadata.has("labels") ? (ObjectNode) metadata.get("labels") : metadata.putObject("labels");
        label.path("pairs").properties().forEach(pair -> labels.set(pair.getKey(), pair.getValue()));
      }
    }
    for (JsonNode image : kustomization.path("images")) {
      String name = image.path("name").asText();
      for (JsonNode object : objects) {
        for (JsonNode container : object.path("spec").path("template").path("spec").path("containers")) {
          String current = container.path("image").asText();
          if (current.equals(name) || current.startsWith(name + ":")) {
            String repository = image.path("newName").asText(name);
            String tag = image.has("newTag") ? ":" + image.path("newTag").asText()
                : current.substring(name.length());
            ((ObjectNode) container).put("image", repository + tag);
          }
        }
      }
    }
    return objects;
  }

  private static List<JsonNode> documents(String yaml) throws IOException {
    List<JsonNode> out = new ArrayList<>();
    try (var documents = YAML.readerFor(JsonNode.class).<JsonNode>readValues(yaml)) {
      while (documents.hasNextValue()) {
        JsonNode document = documents.nextValue();
        if (document != null && !document.isNull() && !document.isMissingNode()) {
          out.add(document);
        }
      }
    }
    return out;
  }

  private static Map<String, JsonNode> byKindAndName(List<JsonNode> objects) {
    Map<String, JsonNode> out = new TreeMap<>();
    objects.forEach(o -> out.put(o.path("kind").asText() + "/" + o.path("metadata").path("name").asText(), o));
    return out;
  }

  /**
   * The container's environment as the kubelet sets it for {@code pod}: literal values, {@code metadata.name} as
   * the pod's name, and each Secret key as a made-up value shaped like an AWS key.
   */
  private static Map<String, String> environment(Container container, String pod) {
    Map<String, String> env = new TreeMap<>();
    for (EnvVar variable : container.getEnv()) {
      if (variable.getValue() != null) {
        env.put(variable.getName(), variable.getValue());
      } else if (variable.getValueFrom().getFieldRef() != null) {
        assertThat(variable.getValueFrom().getFieldRef().getFieldPath()).isEqualTo("metadata.name");
        env.put(variable.getName(), pod);
      } else {
        String key = variable.getValueFrom().getSecretKeyRef().getKey();
        env.put(variable.getName(), key.startsWith("access") ? "AKIAEXAMPLE" + key.length()
            : "wJalrXUtnFEMI/K7MDENG/bPxRfiCY+" + key.length() + ": #x");
      }
    }
    return env;
  }

  private static List<PodTemplateSpec> selected(List<PodTemplateSpec> templates, Map<String, String> selector) {
    return templates.stream()
        .filter(t -> t.getMetadata().getLabels().entrySet().containsAll(selector.entrySet())).toList();
  }

  private static String name(HasMetadata object) {
    return object.getMetadata().getName();
  }
}
