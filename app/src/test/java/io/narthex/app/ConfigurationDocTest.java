package io.narthex.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class ConfigurationDocTest {
  @Test
  void theFlagTableIsTheOneGeneratedFromTheOptionsDeclarations() throws Exception {
    Path page = Path.of("..", "docs", "configuration.md");
    String doc = Files.readString(page);
    String generated = ConfigurationDoc.withTable(doc);
    if (Boolean.getBoolean("narthex.regenerate-docs")) {
      Files.writeString(page, generated);
    }
    assertThat(doc).as("docs/configuration.md's flag table differs from NarthexOptions; regenerate it with"
        + " ./mvnw -o -pl app test -Dtest=ConfigurationDocTest -Dnarthex.regenerate-docs=true").isEqualTo(generated);
    CommandLine commandLine = new CommandLine(new NarthexOptions());
    for (CommandLine.Model.OptionSpec option : commandLine.getCommandSpec().options()) {
      if (!option.usageHelp() && !option.versionHelp()) {
        assertThat(doc).contains("`" + option.longestName() + "`");
      }
    }
  }

  @Test
  void yamlFileSetsOptionsAndFlagsOverrideIt(@TempDir Path dir) throws Exception {
    Path config = dir.resolve("narthex.yaml");
    Files.writeString(config, """
        target: distributor,querier
        multitenancy_enabled: false
        server:
          http_listen_port: 1234
          grpc_listen_port: 4321
        ingester:
          ring:
            instance_id: ingester-7
            replication_factor: 3
        querier:
          lookback_delta: 2m
        limits:
          max_label_names_per_series: 40
        """);
    NarthexOptions options = NarthexOptions.parse("--config.file=" + config, "-server.http-listen-port=5555");

    assertThat(options.server.httpListenPort).isEqualTo(5555);
    assertThat(options.server.grpcListenPort).isEqualTo(4321);
    assertThat(options.multitenancyEnabled).isFalse();
    assertThat(options.ingester.instanceId).isEqualTo("ingester-7");
    assertThat(options.ingester.replicationFactor).isEqualTo(3);
    assertThat(options.querier.lookbackDelta).isEqualTo(Duration.ofMinutes(2));
    assertThat(options.limits.maxLabelNamesPerSeries).isEqualTo(40);
    assertThat(options.components()).containsExactlyInAnyOrder(
        NarthexOptions.Target.DISTRIBUTOR, NarthexOptions.Target.QUERIER);
  }

  @Test
  void defaultsRunEverythingInOneProcess() {
    NarthexOptions options = NarthexOptions.parse();
    assertThat(options.server.httpListenPort).isEqualTo(9009);
    assertThat(options.server.grpcListenPort).isEqualTo(9095);
    assertThat(options.multitenancyEnabled).isTrue();
    assertThat(options.components()).containsExactlyInAnyOrder(NarthexOptions.Target.DISTRIBUTOR,
        NarthexOptions.Target.INGESTER, NarthexOptions.Target.QUERIER, NarthexOptions.Target.STORE_GATEWAY,
        NarthexOptions.Target.COMPACTOR, NarthexOptions.Target.RULER,
        NarthexOptions.Target.ALERTMANAGER);
    assertThat(options.ingester.tsdbDir).isEqualTo("./data/tsdb");
    assertThat(options.bucket.backend).isEqualTo("filesystem");
    assertThat(options.bucket.filesystemDir).isEqualTo("./data/blocks");
  }

  @Test
  void anUnknownYamlKeyStopsStartUpNamingTheKeyItsLineAndTheFile(@TempDir Path dir) throws Exception {
    Path config = dir.resolve("narthex.yaml");
    Files.writeString(config, """
        server:
          http_listen_port: 1234
        querier:
          lookback_delat: 2m
        """);

    assertThatThrownBy(() -> NarthexOptions.parse("--config.file=" + config))
        .isInstanceOf(CommandLine.ParameterException.class)
        .hasMessageContaining("querier.lookback_delat")
        .hasMessageContaining("line 4")
        .hasMessageContaining(config.toString());
  }

  @Test
  void ringSectionsAndTheirEntriesAreKnownKeysButTheirTyposAreNot(@TempDir Path dir) throws Exception {
    Path config = dir.resolve("ring.yaml");
    Files.writeString(config, """
        ingester:
          ring:
            replication_factor: 3
            nodes:
              - {id: a, grpc_address: 127.0.0.1:1, raft_address: 127.0.0.1:2}
            shards:
              - [a]
        store_gateway:
          sharding_ring:
            nodes:
              - {id: a, grpc_address: 127.0.0.1:1}
        """);
    assertThat(NarthexOptions.parse("--config.file=" + config).ingester.replicationFactor).isEqualTo(3);

    Files.writeString(config, """
        ingester:
          ring:
            nodes:
              - {id: a, grpc_adress: 127.0.0.1:1, raft_address: 127.0.0.1:2}
        """);
    assertThatThrownBy(() -> NarthexOptions.parse("--config.file=" + config))
        .hasMessageContaining("ingester.ring.nodes[].grpc_adress");
  }

  @Test
  void theRulerRingComesFromTheConfigFileElseThisProcessOwnsEveryGroup(@TempDir Path dir) throws Exception {
    assertThat(RingConfig.rulers(NarthexOptions.parse("-server.http-listen-port=7000")))
        .isEqualTo(io.narthex.ruler.RulerRing.single("ingester-1", "127.0.0.1:7000"));
    Path config = dir.resolve("rulers.yaml");
    Files.writeString(config, """
        ruler:
          ring:
            nodes:
              - {id: r1, http_address: 127.0.0.1:7001}
              - {id: r2, http_address: 127.0.0.1:7002}
        """);
    io.narthex.ruler.RulerRing ring = RingConfig.rulers(
        NarthexOptions.parse("--config.file=" + config, "-ruler.ring.instance-id=r2"));
    assertThat(ring.rulers()).containsExactly(Map.entry("r1", "127.0.0.1:7001"), Map.entry("r2", "127.0.0.1:7002"));
    assertThat(ring.otherAddresses()).containsExactly("127.0.0.1:7001");
    assertThatThrownBy(() -> RingConfig.rulers(NarthexOptions.parse("--config.file=" + config)))
        .hasMessage("ruler id ingester-1 is not in the ruler ring [r1, r2]");

    Files.writeString(config, "ruler:\n  ring:\n    nodes:\n      - {id: r1}\n");
    assertThatThrownBy(() -> RingConfig.rulers(
        NarthexOptions.parse("--config.file=" + config, "-ruler.ring.instance-id=r1")))
        .hasMessage("ruler.ring.nodes entry {\"id\":\"r1\"} lacks http_address");
  }

  @Test
  void renamedFlagsAndKeysStillWorkAndWarn(@TempDir Path dir) throws Exception {
    Path config = dir.resolve("old.yaml");
    Files.writeString(config, """
        ingester:
          node_id: ingester-9
        """);
    assertThat(NarthexOptions.parse("--config.file=" + config).ingester.instanceId).isEqualTo("ingester-9");
    assertThat(NarthexOptions.parse("-ingester.node-id=ingester-8").ingester.instanceId).isEqualTo("ingester-8");
    assertThat(NarthexOptions.parse("-ingester.ring.instance-id=ingester-7").ingester.instanceId)
        .isEqualTo("ingester-7");
    assertThat(NarthexOptions.parse("--compactor.instance-id", "c1").compactor.instanceId).isEqualTo("c1");
    assertThat(NarthexOptions.deprecationWarnings("-ingester.node-id=x", "--compactor.instance-id", "c1",
        "-ingester.ring.instance-id=y"))
        .containsExactly("flag -ingester.node-id is deprecated and will be removed, use -ingester.ring.instance-id",
            "flag -compactor.instance-id is deprecated and will be removed, use -compactor.ring.instance-id");
  }

  @Test
  void badValuesAreRejectedWithTheirName() {
    assertThat(List.of("--target=nope", "--querier.timeout=5 minutes")).allSatisfy(arg ->
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> NarthexOptions.parse(arg))
            .isInstanceOf(CommandLine.ParameterException.class)
            .hasMessageContaining(arg.substring(arg.indexOf('=') + 1)));
  }
}
