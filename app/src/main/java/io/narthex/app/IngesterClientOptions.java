package io.narthex.app;

import java.time.Duration;
import picocli.CommandLine.Option;

/**
 * Calls to ingesters and store-gateways from every other component (Mimir's {@code ingester_client} block). A mixin of
 * {@link NarthexOptions}, reached as {@code options.ingesterClient}: each option's flag, YAML path ({@code
 * descriptionKey}), default and help are declared here once, and the CLI, {@code --config.file} and
 * docs/configuration.md are all generated from it.
 */
public final class IngesterClientOptions {
  @Option(names = {"--ingester.client.timeout", "-ingester.client.timeout"},
      descriptionKey = "ingester_client.timeout", defaultValue = "20s", converter = DurationConverter.class,
      description = "deadline of each call to an ingester")
  public Duration timeout = Duration.ofSeconds(20);

  @Option(names = {"--ingester.client.tls-enabled", "-ingester.client.tls-enabled"},
      descriptionKey = "ingester_client.grpc_client_config.tls_enabled", defaultValue = "false", arity = "0..1",
      fallbackValue = "true",
      description = "mutual TLS for this process's calls to ingesters (gRPC and Raft: distributor writes, shipper "
          + "entries, leadership transfer) and store-gateways. A process that runs an ingester or "
          + "store-gateway needs the server TLS flags and these together")
  public boolean tlsEnabled = false;

  @Option(names = {"--ingester.client.tls-cert-path", "-ingester.client.tls-cert-path"},
      descriptionKey = "ingester_client.grpc_client_config.tls_cert_path", defaultValue = "",
      description = "PEM client certificate")
  public String tlsCertPath = "";

  @Option(names = {"--ingester.client.tls-key-path", "-ingester.client.tls-key-path"},
      descriptionKey = "ingester_client.grpc_client_config.tls_key_path", defaultValue = "",
      description = "PKCS#8 PEM private key of that certificate")
  public String tlsKeyPath = "";

  @Option(names = {"--ingester.client.tls-ca-path", "-ingester.client.tls-ca-path"},
      descriptionKey = "ingester_client.grpc_client_config.tls_ca_path", defaultValue = "",
      description = "PEM CA that the servers' certificates must chain to; a server certificate must name the host "
          + "or IP of its ring address")
  public String tlsCaPath = "";
}
