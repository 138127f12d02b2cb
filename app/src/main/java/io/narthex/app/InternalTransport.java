package io.narthex.app;

import io.grpc.ChannelCredentials;
import io.grpc.InsecureChannelCredentials;
import io.grpc.InsecureServerCredentials;
import io.grpc.ServerCredentials;
import io.grpc.TlsChannelCredentials;
import io.grpc.TlsServerCredentials;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.narthex.ingester.raft.RaftOptions;
import io.narthex.ingester.raft.TlsFiles;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;

/**
 * The internal ports, gRPC (ingester and store-gateway) and Raft: which address they bind and whether their
 * traffic is mutual TLS. The HTTP port is not among them: it is for clients, behind an authenticating proxy.
 */
final class InternalTransport {
  private InternalTransport() {}

  /**
   * The address an internal server binds.
   *
   * @param flag the listen-address flag's value; when not empty it wins
   * @param advertised this node's {@code host:port} in the ring, or null when it is not in one
   * @param httpListenAddress {@code -server.http-listen-address}
   * @return the advertised host when it is a loopback address (single-process mode, where the ring is implicit
   *     and says 127.0.0.1, or a cluster on one machine), else the HTTP listen address; empty for all interfaces
   */
  static String listenAddress(String flag, String advertised, String httpListenAddress) {
    if (!flag.isEmpty()) {
      return flag;
    }
    String host = advertised == null ? ""
        : advertised.substring(0, Math.max(0, advertised.lastIndexOf(':'))).replace("[", "").replace("]", "");
    return isLoopback(host) ? host : httpListenAddress;
  }

  private static boolean isLoopback(String host) {
    try {
      return !host.isEmpty() && InetAddress.getByName(host).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }

  /**
   * The servers' TLS files, or null for plaintext.
   *
   * @throws IllegalArgumentException when only some of the three flags are set or a file cannot be read
   */
  static TlsFiles serverTls(NarthexOptions options) {
    return tlsFiles("-server.grpc-tls", options.server.grpcTlsCertPath, options.server.grpcTlsKeyPath,
        options.server.grpcTlsCaPath,
        !options.server.grpcTlsCertPath.isEmpty() || !options.server.grpcTlsKeyPath.isEmpty()
            || !options.server.grpcTlsCaPath.isEmpty());
  }

  /**
   * The internal clients' TLS files, or null for plaintext.
   *
   * @throws IllegalArgumentException when TLS is enabled without all three files, or a file cannot be read
   */
  static TlsFiles clientTls(NarthexOptions options) {
    return tlsFiles("-ingester.client.tls", options.ingesterClient.tlsCertPath,
        options.ingesterClient.tlsKeyPath,
        options.ingesterClient.tlsCaPath, options.ingesterClient.tlsEnabled);
  }

  private static TlsFiles tlsFiles(String prefix, String cert, String key, String ca, boolean enabled) {
    if (!enabled) {
      return null;
    }
    if (cert.isEmpty() || key.isEmpty() || ca.isEmpty()) {
      throw new IllegalArgumentException("mutual TLS needs " + prefix + "-cert-path, " + prefix + "-key-path and "
          + prefix + "-ca-path together; only Narthex processes holding a certificate of that CA may connect");
    }
    return new TlsFiles(Path.of(cert), Path.of(key), Path.of(ca))
        .checkReadable(prefix + "-cert-path", prefix + "-key-path", prefix + "-ca-path");
  }

  /**
   * A process serving gRPC or Raft also calls other processes' (ingesters call each other, and a single process
   * calls its own Raft port): its server and client sides must both be TLS or both plaintext.
   *
   * @throws IllegalArgumentException naming the flag that is missing
   */
  static void checkBothSides(TlsFiles server, TlsFiles client) {
    if (server != null && client == null) {
      throw new IllegalArgumentException("-server.grpc-tls-cert-path is set: set -ingester.client.tls-enabled=true"
          + " and its -ingester.client.tls-*-path flags too, since this process calls other Narthex processes");
    }
    if (server == null && client != null) {
      throw new IllegalArgumentException("-ingester.client.tls-enabled is set: set -server.grpc-tls-cert-path,"
          + " -server.grpc-tls-key-path and -server.grpc-tls-ca-path too, since other processes call this one");
    }
  }

  /**
   * The shards' Raft transport, {@code -ingester.raft.transport}.
   *
   * @throws IllegalArgumentException when it is {@code netty} and TLS is set: Ratis's Netty transport has no TLS, and
   *     a cluster that asked for mutual TLS must not run plaintext Raft
   */
  static RaftOptions.Transport raftTransport(NarthexOptions options, TlsFiles server, TlsFiles client) {
    RaftOptions.Transport transport = options.ingester.raftTransport;
    if (transport == RaftOptions.Transport.NETTY && (server != null || client != null)) {
      throw new IllegalArgumentException("-ingester.raft.transport=netty has no TLS, but "
          + (server != null ? "-server.grpc-tls-cert-path" : "-ingester.client.tls-enabled")
          + " is set: use -ingester.raft.transport=grpc with TLS, or turn TLS off");
    }
    return transport;
  }

  /** A gRPC server on {@code host:port} (all interfaces when host is empty), mutual TLS when {@code tls} is set. */
  static NettyServerBuilder grpcServer(String host, int port, TlsFiles tls) throws IOException {
    ServerCredentials credentials = tls == null ? InsecureServerCredentials.create()
        : TlsServerCredentials.newBuilder()
            .keyManager(tls.certPath().toFile(), tls.keyPath().toFile())
            .trustManager(tls.caPath().toFile())
            .clientAuth(TlsServerCredentials.ClientAuth.REQUIRE)
            .build();
    InetSocketAddress address = host.isEmpty() ? new InetSocketAddress(port) : new InetSocketAddress(host, port);
    return NettyServerBuilder.forAddress(address, credentials);
  }

  /** A channel to another process's gRPC port, mutual TLS when {@code tls} is set. */
  static NettyChannelBuilder channel(String target, TlsFiles tls) {
    if (tls == null) {
      return NettyChannelBuilder.forTarget(target, InsecureChannelCredentials.create());
    }
    try {
      ChannelCredentials credentials = TlsChannelCredentials.newBuilder()
          .keyManager(tls.certPath().toFile(), tls.keyPath().toFile())
          .trustManager(tls.caPath().toFile())
          .build();
      return NettyChannelBuilder.forTarget(target, credentials);
    } catch (IOException e) {
      throw new IllegalArgumentException("reading the -ingester.client.tls-* files failed: " + e.getMessage(), e);
    }
  }
}
