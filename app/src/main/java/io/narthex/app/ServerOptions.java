package io.narthex.app;

import picocli.CommandLine.Option;

/**
 * The HTTP and gRPC servers of every process (Mimir's {@code server} block), plus the request-body bound of every HTTP
 * route ({@code frontend.max_body_size}). A mixin of {@link NarthexOptions}, reached as {@code options.server}: each
 * option's flag, YAML path ({@code descriptionKey}), default and help are declared here once, and the CLI, {@code
 * --config.file} and docs/configuration.md are all generated from it.
 */
public final class ServerOptions {
  @Option(names = {"--server.http-listen-address", "-server.http-listen-address"},
      descriptionKey = "server.http_listen_address", defaultValue = "",
      description = "HTTP listen address; empty: all interfaces")
  public String httpListenAddress = "";

  @Option(names = {"--server.http-listen-port", "-server.http-listen-port"},
      descriptionKey = "server.http_listen_port", defaultValue = "9009",
      description = "HTTP port; `0` picks a free one")
  public int httpListenPort = 9009;

  @Option(names = {"--server.grpc-listen-port", "-server.grpc-listen-port"},
      descriptionKey = "server.grpc_listen_port", defaultValue = "9095",
      description = "gRPC port of the ingester and store-gateway; `0` picks a free one")
  public int grpcListenPort = 9095;

  @Option(names = {"--server.grpc-listen-address", "-server.grpc-listen-address"},
      descriptionKey = "server.grpc_listen_address", defaultValue = "",
      description = "gRPC listen address. Empty: the host of this node's `grpc_address` in the ring when it is a "
          + "loopback address (`127.0.0.1` in single-process mode, where the ring is implicit), else "
          + "`--server.http-listen-address`, else all interfaces. Keep the port private: see "
          + "[Security](operations.md#security)")
  public String grpcListenAddress = "";

  @Option(names = {"--server.grpc-tls-cert-path", "-server.grpc-tls-cert-path"},
      descriptionKey = "server.grpc_tls_config.cert_file", defaultValue = "",
      description = "PEM certificate of the gRPC and Raft servers; with the next two flags it turns on mutual TLS "
          + "on both ports; empty: plaintext")
  public String grpcTlsCertPath = "";

  @Option(names = {"--server.grpc-tls-key-path", "-server.grpc-tls-key-path"},
      descriptionKey = "server.grpc_tls_config.key_file", defaultValue = "",
      description = "PKCS#8 PEM private key of that certificate")
  public String grpcTlsKeyPath = "";

  @Option(names = {"--server.grpc-tls-ca-path", "-server.grpc-tls-ca-path"},
      descriptionKey = "server.grpc_tls_config.client_ca_file", defaultValue = "",
      description = "PEM CA that a client's certificate must chain to; a gRPC or Raft client without one is refused "
          + "(always Mimir's `RequireAndVerifyClientCert`: Narthex has no `-server.grpc-tls-client-auth`). "
          + "Replicas also verify each other's server certificates with it")
  public String grpcTlsCaPath = "";

  @Option(names = {"--server.admin-routes-enabled", "-server.admin-routes-enabled"},
      descriptionKey = "server.admin_routes_enabled", defaultValue = "true", arity = "0..1", fallbackValue = "true",
      description = "serve the operator routes (`/ingester/flush`, `/ingester/shards`, `/compactor/delete_tenant`, "
          + "`/compactor/delete_tenant_status`, Prometheus's `delete_series`); `false` removes them (404), "
          + "for deployments where tenants reach the HTTP port; Mimir has no such switch")
  public boolean adminRoutesEnabled = true;

  @Option(names = {"--query-frontend.max-body-size", "-query-frontend.max-body-size"},
      descriptionKey = "frontend.max_body_size", defaultValue = "10485760",
      description = "largest request body in bytes on every HTTP route except push (bounded by "
          + "`-distributor.max-recv-msg-size`) and block upload files (bounded by the block size limit); "
          + "larger get 413 before the body is buffered. Mimir's flag and default")
  public long maxBodySizeBytes = 10L << 20;

  @Option(names = {"--server.memory-limit", "-server.memory-limit"},
      descriptionKey = "server.memory_limit", defaultValue = "0", converter = ByteSizeConverter.class,
      description = "memory the process may use, in bytes with an optional suffix `B`, `KiB`, `MiB`, `GiB` or "
          + "`TiB` (Go's `GOMEMLIMIT` syntax: Mimir and Prometheus users set `GOMEMLIMIT`, or Prometheus's "
          + "`--auto-gomemlimit.ratio`, for the same purpose). bin/narthex reads this flag, else the container's "
          + "cgroup memory limit, before the JVM starts and gives the heap 3/4 of it (`-Xmx`); G1 then keeps at most "
          + "half of the heap free after its cycles (with ZGC, the soft heap bound follows twice the live heap up to "
          + "that). `0`: no limit, the heap may reach the JVM's default `-Xmx` (a quarter of RAM) but is given back "
          + "above twice the live heap. Not a Mimir flag")
  public long memoryLimitBytes = 0;

  @Option(names = {"--log.level", "-log.level"}, descriptionKey = "server.log_level", defaultValue = "info",
      description = "`debug`, `info`, `warn` or `error`")
  public String logLevel = "info";
}
