package io.narthex.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.narthex.ingester.FreePorts;
import io.narthex.ingester.client.PushEntryBuilder;
import io.narthex.ingester.client.ShardWriter.ShardUnavailableException;
import io.narthex.ingester.raft.RaftOptions;
import io.narthex.ingester.raft.RaftShardWriter;
import io.narthex.ingester.raft.TestCertificates;
import io.narthex.ingester.raft.TlsFiles;
import io.narthex.ingester.ring.ShardMap;
import io.narthex.proto.ingester.IngesterGrpc;
import io.narthex.proto.ingester.SelectRequest;
import io.narthex.proto.ingester.SelectResponse;
import io.narthex.proto.prompb.Label;
import io.narthex.proto.prompb.LabelMatcher;
import io.narthex.proto.prompb.Sample;
import io.narthex.proto.prompb.TimeSeries;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The internal ports of a running process (audit row 2): in single-process mode gRPC and Raft listen on loopback
 * only, and with mutual TLS a peer without a certificate of the cluster's CA can neither read a tenant's series
 * over gRPC nor append to a shard's log over Raft, while Narthex's own clients can.
 */
class InternalPortsTest {
  private static final String TENANT = "team-b";

  @TempDir
  Path dir;

  private Narthex narthex;
  private final List<AutoCloseable> clients = new ArrayList<>();

  @AfterEach
  void stop() throws Exception {
    for (AutoCloseable client : clients) {
      client.close();
    }
    if (narthex != null) {
      narthex.close();
    }
  }


  private NarthexOptions start(String... extraFlags) throws IOException {
    List<String> flags = new ArrayList<>(List.of("--server.http-listen-port=0", "--server.grpc-listen-port=0",
        "--ingester.raft-listen-port=" + FreePorts.next(), "--blocks-storage.tsdb.dir=" + dir.resolve("tsdb"),
        "--blocks-storage.filesystem.dir=" + dir.resolve("bucket"),
        "--blocks-storage.bucket-store.sync-dir=" + dir.resolve("sync"),
        "--compactor.data-dir=" + dir.resolve("compactor")));
    flags.addAll(List.of(extraFlags));
    NarthexOptions options = NarthexOptions.parse(flags.toArray(String[]::new));
    narthex = Narthex.start(options);
    return options;
  }

  /** Whether 127.0.0.2 can still take the port: only when the server did not bind the wildcard address. */
  private static boolean freeOnAnotherLoopbackAddress(int port) {
    try (ServerSocket other = new ServerSocket()) {
      other.bind(new InetSocketAddress("127.0.0.2", port));
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  @Test
  void singleProcessListensOnLoopbackOnly() throws Exception {
    NarthexOptions options = start();

    assertThat(freeOnAnotherLoopbackAddress(narthex.grpcPort())).as("gRPC bound to 127.0.0.1 only").isTrue();
    assertThat(freeOnAnotherLoopbackAddress(options.ingester.raftListenPort))
        .as("Raft bound to 127.0.0.1 only").isTrue();
  }

  @Test
  void explicitListenAddressesWin() throws Exception {
    NarthexOptions options = start("--server.grpc-listen-address=0.0.0.0", "--ingester.raft-listen-address=0.0.0.0");

    assertThat(freeOnAnotherLoopbackAddress(narthex.grpcPort())).isFalse();
    assertThat(freeOnAnotherLoopbackAddress(options.ingester.raftListenPort)).isFalse();
  }

  @Test
  void peersWithoutTheClusterCertificateCannotReadOverGrpcNorAppendOverRaft() throws Exception {
    TestCertificates ca = TestCertificates.createCa(dir);
    TlsFiles node = ca.signed("node");
    TlsFiles rogue = ca.selfSigned("rogue");
    NarthexOptions options = start(
        "--server.grpc-tls-cert-path=" + node.certPath(), "--server.grpc-tls-key-path=" + node.keyPath(),
        "--server.grpc-tls-ca-path=" + node.caPath(), "--ingester.client.tls-enabled",
        "--ingester.client.tls-cert-path=" + node.certPath(), "--ingester.client.tls-key-path=" + node.keyPath(),
        "--ingester.client.tls-ca-path=" + node.caPath());
    ShardMap shardMap = ShardMap.roundRobin(List.of(new ShardMap.Node(options.ingester.instanceId,
        "127.0.0.1:" + narthex.grpcPort(), "127.0.0.1:" + options.ingester.raftListenPort)), 1, 1);
    Awaitility.await().atMost(Duration.ofSeconds(20)).until(this::ready);

    assertThat(raftWriter(shardMap, node, true).pushEntry(push("written_by_a_node")).join().getAcceptedSamples())
        .isEqualTo(1);
    assertThatThrownBy(() -> raftWriter(shardMap, null, false).pushEntry(push("injected")).join())
        .isInstanceOf(CompletionException.class).hasCauseInstanceOf(ShardUnavailableException.class);
    assertThatThrownBy(() -> raftWriter(shardMap, rogue, false).pushEntry(push("injected")).join())
        .isInstanceOf(CompletionException.class).hasCauseInstanceOf(ShardUnavailableException.class);

    assertThat(select(InternalTransport.channel("127.0.0.1:" + narthex.grpcPort(), node).build()))
        .containsExactly("written_by_a_node");
    for (TlsFiles peer : new TlsFiles[] {null, rogue}) {
      ManagedChannel channel = InternalTransport.channel("127.0.0.1:" + narthex.grpcPort(), peer).build();
      assertThatThrownBy(() -> select(channel))
          .isInstanceOfSatisfying(StatusRuntimeException.class,
              e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
    }
  }

  @Test
  void defaultListenAddressIsTheLoopbackRingAddressElseTheHttpListenAddress() {
    assertThat(InternalTransport.listenAddress("", "127.0.0.1:9095", "10.1.2.3")).isEqualTo("127.0.0.1");
    assertThat(InternalTransport.listenAddress("", "[::1]:9096", "")).isEqualTo("::1");
    assertThat(InternalTransport.listenAddress("", "192.0.2.7:9095", "10.1.2.3")).isEqualTo("10.1.2.3");
    assertThat(InternalTransport.listenAddress("", "192.0.2.7:9095", "")).isEmpty();
    assertThat(InternalTransport.listenAddress("192.0.2.7", "127.0.0.1:9095", "")).isEqualTo("192.0.2.7");
  }

  @Test
  void refusesHalfConfiguredTls() {
    assertThatThrownBy(() -> start("--server.grpc-tls-cert-path=" + dir.resolve("missing.pem")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("-server.grpc-tls-key-path");
  }

  @Test
  void raftTransportIsGrpcByDefaultAndNettyByFlagOrConfigFile() throws IOException {
    assertThat(NarthexOptions.parse().ingester.raftTransport).isEqualTo(RaftOptions.Transport.GRPC);
    assertThat(NarthexOptions.parse("-ingester.raft.transport=netty").ingester.raftTransport)
        .isEqualTo(RaftOptions.Transport.NETTY);
    Path config = java.nio.file.Files.writeString(dir.resolve("narthex.yaml"),
        "ingester:\n  raft:\n    transport: netty\n");
    assertThat(NarthexOptions.parse("--config.file=" + config).ingester.raftTransport)
        .isEqualTo(RaftOptions.Transport.NETTY);
    assertThat(NarthexOptions.parse("--config.file=" + config, "--ingester.raft.transport=GRPC")
        .ingester.raftTransport).as("the flag wins over the file").isEqualTo(RaftOptions.Transport.GRPC);
    assertThatThrownBy(() -> NarthexOptions.parse("--ingester.raft.transport=http"))
        .isInstanceOf(picocli.CommandLine.ParameterException.class)
        .hasMessageContaining("unknown -ingester.raft.transport 'http': expected grpc or netty");
  }

  @Test
  void nettyRaftTransportServesNettyClientsAndIsRefusedWithTls() throws Exception {
    NarthexOptions options = start("--ingester.raft.transport=netty");
    ShardMap shardMap = ShardMap.roundRobin(List.of(new ShardMap.Node(options.ingester.instanceId,
        "127.0.0.1:" + narthex.grpcPort(), "127.0.0.1:" + options.ingester.raftListenPort)), 1, 1);
    Awaitility.await().atMost(Duration.ofSeconds(20)).until(this::ready);
    RaftShardWriter nettyWriter = new RaftShardWriter(shardMap, 0,
        new RaftOptions(Duration.ofSeconds(1), 1_000, Duration.ofSeconds(15))
            .withTransport(RaftOptions.Transport.NETTY));
    clients.add(nettyWriter);
    assertThat(nettyWriter.pushEntry(push("written_over_netty")).join().getAcceptedSamples()).isEqualTo(1);
    narthex.close();
    narthex = null;

    TlsFiles node = TestCertificates.createCa(dir).signed("node");
    assertThatThrownBy(() -> start("--ingester.raft.transport=netty",
        "--server.grpc-tls-cert-path=" + node.certPath(), "--server.grpc-tls-key-path=" + node.keyPath(),
        "--server.grpc-tls-ca-path=" + node.caPath(),
        "--ingester.client.tls-enabled", "--ingester.client.tls-cert-path=" + node.certPath(),
        "--ingester.client.tls-key-path=" + node.keyPath(), "--ingester.client.tls-ca-path=" + node.caPath()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("-ingester.raft.transport=netty has no TLS, but -server.grpc-tls-cert-path is set: use "
            + "-ingester.raft.transport=grpc with TLS, or turn TLS off");
  }

  private boolean ready() throws IOException, InterruptedException {
    return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build().send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + narthex.httpPort() + "/ready")).build(),
        HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
  }

  /**
   * A Raft client with the given certificate, or none. An admitted write gets 15 s for a cold mutual-TLS handshake
   * and a commit on a slow CI; a refused one retries until the timeout, so that is 1 s.
   */
  private RaftShardWriter raftWriter(ShardMap shardMap, TlsFiles tls, boolean admitted) {
    Duration writeTimeout = admitted ? Duration.ofSeconds(15) : Duration.ofSeconds(1);
    RaftShardWriter writer = new RaftShardWriter(shardMap, 0,
        new RaftOptions(Duration.ofSeconds(1), 1_000, writeTimeout, "", null, tls));
    clients.add(writer);
    return writer;
  }

  private static byte[] push(String metric) {
    byte[] series = TimeSeries.newBuilder()
        .addLabels(Label.newBuilder().setName("__name__").setValue(metric))
        .addSamples(Sample.newBuilder().setTimestamp(System.currentTimeMillis()).setValue(1))
        .build().toByteArray();
    PushEntryBuilder entry = new PushEntryBuilder(TENANT);
    entry.add(series, 0, series.length);
    return entry.build();
  }

  /** The metric names of the tenant's series that a Select over {@code channel} returns. */
  private List<String> select(ManagedChannel channel) throws InterruptedException {
    try {
      Iterator<SelectResponse> responses = IngesterGrpc.newBlockingStub(channel)
          .withDeadlineAfter(10, TimeUnit.SECONDS)
          .select(SelectRequest.newBuilder().setTenant(TENANT).setShard(0)
              .setStartTimestampMs(0).setEndTimestampMs(Long.MAX_VALUE)
              .addMatchers(LabelMatcher.newBuilder().setType(LabelMatcher.Type.RE).setName("__name__").setValue(".+"))
              .build());
      List<String> names = new ArrayList<>();
      responses.forEachRemaining(response -> response.getSeriesList().forEach(s -> names.add(s.getLabels(0).getValue())));
      return names;
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }
}
