package io.narthex.ingester.raft;

import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.grpc.GrpcTlsConfig;

/**
 * PEM files for mutual TLS between Narthex processes: this side's certificate chain and PKCS#8 private key, and
 * the CA certificates that the other side's certificate must chain to. A server requires and verifies the client's
 * certificate (Mimir's {@code RequireAndVerifyClientCert}); a client verifies the server's certificate, including
 * its host name or IP address against the address it dialled.
 *
 * @param certPath certificate chain presented to the other side
 * @param keyPath PKCS#8 private key of {@code certPath} ({@code -----BEGIN PRIVATE KEY-----})
 * @param caPath CA certificates that the other side's certificate must chain to
 */
public record TlsFiles(Path certPath, Path keyPath, Path caPath) {
  /** @throws IllegalArgumentException when a path is missing: mutual TLS needs all three */
  public TlsFiles {
    for (Path path : new Path[] {certPath, keyPath, caPath}) {
      if (path == null) {
        throw new IllegalArgumentException("a TLS certificate, key and CA file are all needed for mutual TLS");
      }
    }
  }

  /**
   * Checks that every file can be read, so a typo fails the start and not the first connection.
   *
   * @param certFlag the flag that named {@code certPath}, for the message; likewise {@code keyFlag} and
   *     {@code caFlag}
   * @throws IllegalArgumentException naming the flag and the file that cannot be read
   */
  public TlsFiles checkReadable(String certFlag, String keyFlag, String caFlag) {
    check(certPath, certFlag);
    check(keyPath, keyFlag);
    check(caPath, caFlag);
    return this;
  }

  private static void check(Path path, String flag) {
    if (!Files.isReadable(path)) {
      throw new IllegalArgumentException(flag + "=" + path + ": the file does not exist or cannot be read");
    }
  }

  /** Ratis's gRPC transport with this side's certificate presented and the other side's verified. */
  GrpcTlsConfig ratis() {
    return new GrpcTlsConfig(keyPath.toFile(), certPath.toFile(), caPath.toFile(), true);
  }

  /** Ratis parameters for mutual TLS with {@code tls}, or plaintext ones when it is null. */
  static Parameters ratisParameters(TlsFiles tls) {
    Parameters parameters = new Parameters();
    if (tls != null) {
      GrpcConfigKeys.TLS.setConf(parameters, tls.ratis());
    }
    return parameters;
  }
}
