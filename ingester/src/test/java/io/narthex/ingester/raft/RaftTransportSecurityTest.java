package io.narthex.ingester.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.narthex.ingester.FreePorts;
import io.narthex.ingester.client.PushEntryBuilder;
import io.narthex.ingester.client.ShardWriter.ShardUnavailableException;
import io.narthex.ingester.ring.ShardMap;
import io.narthex.proto.prompb.Label;
import io.narthex.proto.prompb.Sample;
import io.narthex.proto.prompb.TimeSeries;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Raft port with mutual TLS: three replicas elect a leader and commit over it, and a client without a
 * certificate of the cluster's CA can append nothing (the audit erased a tenant's data through an open Raft port).
 * Also: the Raft server binds only its listen address.
 */
class RaftTransportSecurityTest {
  private static final String TENANT = "team-b";

  @TempDir
  static Path certDir;
  @TempDir
  Path dataDir;

  private static TlsFiles node;
  private static TlsFiles rogue;
  private final List<AutoCloseable> started = new ArrayList<>();

  @BeforeAll
  static void makeCertificates() throws IOException {
    TestCertificates ca = TestCertificates.createCa(certDir);
    node = ca.signed("node");
    rogue = ca.selfSigned("rogue");
  }

  @AfterEach
  void stop() throws Exception {
    for (AutoCloseable closeable : started.reversed()) {
      closeable.close();
    }
  }

  private static int freePort() throws IOException {
    return FreePorts.next();
  }

  private static RaftOptions options(String listenAddress, TlsFiles serverTls, TlsFiles clientTls) {
    return new RaftOptions(Duration.ofMillis(300), 10_000, Duration.ofSeconds(3), listenAddress, serverTls, clientTls);
  }

  private ShardMap startReplicas(int replicas, RaftOptions options) throws IOException {
    List<ShardMap.Node> nodes = new ArrayList<>();
    for (int i = 0; i < replicas; i++) {
      nodes.add(new ShardMap.Node("n" + i, "127.0.0.1:1", "127.0.0.1:" + freePort()));
    }
    ShardMap shardMap = ShardMap.roundRobin(nodes, 1, replicas);
    List<IngesterNode> ingesters = new ArrayList<>();
    for (ShardMap.Node n : nodes) {
      IngesterNode ingester = IngesterNode.start(shardMap, n.id(), dataDir.resolve(n.id()), options);
      started.add(ingester);
      ingesters.add(ingester);
    }
    Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> ingesters.stream().allMatch(IngesterNode::ready));
    return shardMap;
  }

  /** A client that must be admitted: 15 s covers a cold mutual-TLS handshake and a quorum's fsync on a slow CI. */
  private RaftShardWriter writer(ShardMap shardMap, TlsFiles clientTls) {
    return writer(shardMap, clientTls, Duration.ofSeconds(15));
  }

  /** A refused client retries until its write timeout: keep that short. */
  private RaftShardWriter refusedWriter(ShardMap shardMap, TlsFiles clientTls) {
    return writer(shardMap, clientTls, Duration.ofSeconds(1));
  }

  private RaftShardWriter writer(ShardMap shardMap, TlsFiles clientTls, Duration writeTimeout) {
    RaftShardWriter writer = new RaftShardWriter(shardMap, 0,
        new RaftOptions(Duration.ofMillis(300), 10_000, writeTimeout, "", null, clientTls));
    started.add(writer);
    return writer;
  }

  private static byte[] push(String metric) {
    TimeSeries series = TimeSeries.newBuilder()
        .addLabels(Label.newBuilder().setName("__name__").setValue(metric))
        .addSamples(Sample.newBuilder().setTimestamp(System.currentTimeMillis()).setValue(1))
        .build();
    PushEntryBuilder entry = new PushEntryBuilder(TENANT);
    byte[] bytes = series.toByteArray();
    entry.add(bytes, 0, bytes.length);
    return entry.build();
  }

  @Test
  void replicasCommitOverMutualTlsAndRefuseClientsWithoutACertificateOfTheirCa() throws Exception {
    ShardMap shardMap = startReplicas(3, options("127.0.0.1", node, node));

    assertThat(writer(shardMap, node).pushEntry(push("admitted")).join().getAcceptedSamples()).isEqualTo(1);

    assertThatThrownBy(() -> refusedWriter(shardMap, null).pushEntry(push("plaintext")).join())
        .isInstanceOf(CompletionException.class).hasCauseInstanceOf(ShardUnavailableException.class);
    assertThatThrownBy(() -> refusedWriter(shardMap, rogue).pushEntry(push("self_signed")).join())
        .isInstanceOf(CompletionException.class).hasCauseInstanceOf(ShardUnavailableException.class);

    IngesterNode replica = (IngesterNode) started.getFirst();
    Awaitility.await().atMost(Duration.ofSeconds(10))
        .until(() -> replica.heads(0).seriesPerTenant().equals(Map.of(TENANT, 1L)));
  }

  @Test
  void raftServerBindsOnlyItsListenAddress() throws Exception {
    ShardMap shardMap = startReplicas(1, options("127.0.0.1", null, null));
    int port = raftPort(shardMap);
    // Another loopback address can take the same port only when the server did not bind the wildcard address.
    try (ServerSocket other = new ServerSocket()) {
      other.bind(new InetSocketAddress("127.0.0.2", port));
      assertThat(other.isBound()).isTrue();
    }
    assertThat(writer(shardMap, null).pushEntry(push("plaintext_when_tls_is_off")).join().getAcceptedSamples())
        .isEqualTo(1);
  }

  @Test
  void raftServerWithoutListenAddressBindsEveryInterface() throws Exception {
    ShardMap shardMap = startReplicas(1, options("", null, null));
    int port = raftPort(shardMap);
    assertThatThrownBy(() -> {
      try (ServerSocket other = new ServerSocket()) {
        other.bind(new InetSocketAddress("127.0.0.2", port));
      }
    }).isInstanceOf(IOException.class);
  }

  private static int raftPort(ShardMap shardMap) {
    String address = shardMap.node("n0").raftAddress();
    return Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));
  }
}
