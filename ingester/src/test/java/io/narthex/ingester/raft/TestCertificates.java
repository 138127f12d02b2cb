package io.narthex.ingester.raft;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Certificates made at test time with the JDK's keytool, so no private key is committed: a CA, identities it
 * signed for 127.0.0.1 and localhost, and a self-signed identity it did not sign. Each identity is PEM files as
 * the TLS flags take them: certificate, PKCS#8 key, and the CA that peers must chain to.
 */
public final class TestCertificates {
  private static final String PASSWORD = "test-only";
  private final Path dir;
  private final Path caCert;

  private TestCertificates(Path dir) {
    this.dir = dir;
    this.caCert = dir.resolve("ca.pem");
  }

  /** A new CA in {@code dir}. */
  public static TestCertificates createCa(Path dir) throws IOException {
    TestCertificates certificates = new TestCertificates(dir);
    certificates.keytool("-genkeypair", "-alias", "ca", "-keyalg", "EC", "-groupname", "secp256r1",
        "-dname", "CN=narthex-test-ca", "-ext", "bc:c", "-validity", "2", "-keystore", "ca.p12");
    certificates.keytool("-exportcert", "-rfc", "-alias", "ca", "-keystore", "ca.p12", "-file", "ca.pem");
    return certificates;
  }

  /** Certificate, key and CA of an identity the CA signed, valid for 127.0.0.1 and localhost. */
  public TlsFiles signed(String name) throws IOException {
    Path keystore = newIdentity(name);
    keytool("-certreq", "-alias", name, "-keystore", keystore.toString(), "-file", name + ".csr");
    keytool("-gencert", "-alias", "ca", "-keystore", "ca.p12", "-infile", name + ".csr", "-outfile", name + ".pem",
        "-rfc", "-validity", "2", "-ext", "san=ip:127.0.0.1,dns:localhost", "-ext", "eku=serverAuth,clientAuth");
    return new TlsFiles(dir.resolve(name + ".pem"), exportKey(keystore, name), caCert);
  }

  /** A self-signed identity for 127.0.0.1 that trusts this CA but that the CA never signed. */
  public TlsFiles selfSigned(String name) throws IOException {
    Path keystore = newIdentity(name);
    keytool("-exportcert", "-rfc", "-alias", name, "-keystore", keystore.toString(), "-file", name + ".pem");
    return new TlsFiles(dir.resolve(name + ".pem"), exportKey(keystore, name), caCert);
  }

  private Path newIdentity(String name) throws IOException {
    keytool("-genkeypair", "-alias", name, "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=" + name,
        "-ext", "san=ip:127.0.0.1,dns:localhost", "-validity", "2", "-keystore", name + ".p12");
    return dir.resolve(name + ".p12");
  }

  private Path exportKey(Path keystore, String alias) throws IOException {
    try (InputStream in = Files.newInputStream(keystore)) {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(in, PASSWORD.toCharArray());
      Key key = store.getKey(alias, PASSWORD.toCharArray());
      String pem = "-----BEGIN PRIVATE KEY-----\n"
          + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(key.getEncoded())
          + "\n-----END PRIVATE KEY-----\n";
      Path file = dir.resolve(alias + ".key");
      Files.writeString(file, pem, StandardCharsets.US_ASCII);
      return file;
    } catch (GeneralSecurityException e) {
      throw new IOException("reading the key of " + alias + " from " + keystore + " failed", e);
    }
  }

  private void keytool(String... args) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
    command.addAll(List.of(args));
    command.addAll(List.of("-storetype", "PKCS12", "-storepass", PASSWORD, "-noprompt"));
    Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
    try {
      String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
        throw new IOException("keytool " + String.join(" ", args) + " failed: " + output);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while running keytool", e);
    }
  }
}
