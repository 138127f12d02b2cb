package io.narthex.objstore;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.blobstore.BlobStore;
import org.gaul.s3proxy.nio2blob.TransientNio2BlobStore;

/**
 * An in-process s3proxy on 127.0.0.1 serving an in-memory blob store with SigV4 auth, on a plain
 * HTTP port and an HTTPS port (self-signed certificate made with the JDK's keytool).
 */
public final class LocalS3Server implements AutoCloseable {
  public static final String ACCESS_KEY = "narthex-access";
  public static final String SECRET_KEY = "narthex-secret";
  private static final String KEYSTORE_PASSWORD = "narthex-test";
  private static Path keyStore;

  private final BlobStore blobStore;
  private S3Proxy proxy;
  private int httpPort;
  private int httpsPort;

  /** Starts on random free ports. */
  public LocalS3Server() throws Exception {
    this.blobStore = new TransientNio2BlobStore();
    start(0, 0);
  }

  /** Starts (again) on the given ports, 0 for random ones, keeping the stored objects. */
  public void start(int httpPort, int httpsPort) throws Exception {
    proxy = S3Proxy.builder()
        .blobStore(blobStore)
        .endpoint(URI.create("http://127.0.0.1:" + httpPort))
        .secureEndpoint(URI.create("https://127.0.0.1:" + httpsPort))
        .keyStore(keyStore().toString(), KEYSTORE_PASSWORD)
        .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY)
        .build();
    proxy.start();
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (!"STARTED".equals(proxy.getState())) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("s3proxy did not start: " + proxy.getState());
      }
      Thread.sleep(5);
    }
    this.httpPort = proxy.getPort();
    this.httpsPort = proxy.getSecurePort();
  }

  /** Starts again on the same ports. */
  public void restart() throws Exception {
    start(httpPort, httpsPort);
  }

  public void stop() throws Exception {
    proxy.stop();
  }

  public int httpsPort() {
    return httpsPort;
  }

  public int httpPort() {
    return httpPort;
  }

  public void createBucket(String name) {
    blobStore.createContainer(name);
  }

  /**
   * Creates a bucket and returns a client of it over HTTPS with 2 retries, wrapped as production buckets are.
   * HTTPS because s3proxy sometimes drops kept-alive plain-HTTP connections during chunked uploads.
   */
  public Bucket newBucket(String name) {
    createBucket(name);
    return Buckets.s3(name, config(name, 2));
  }

  /** HTTPS config for {@code bucketName}: host:port, path style, any certificate accepted. */
  public S3Config config(String bucketName, int maxRetries) {
    return new S3Config("127.0.0.1:" + httpsPort, "us-east-1", bucketName, ACCESS_KEY, SECRET_KEY, true,
        false, true, Duration.ofSeconds(5), maxRetries);
  }

  /** Plain-HTTP config ({@code insecure: true}) for {@code bucketName}. */
  public S3Config httpConfig(String bucketName, int maxRetries) {
    return new S3Config("127.0.0.1:" + httpPort, "us-east-1", bucketName, ACCESS_KEY, SECRET_KEY, true,
        true, Duration.ofSeconds(5), maxRetries);
  }

  private static synchronized Path keyStore() throws Exception {
    if (keyStore == null) {
      Path dir = Files.createTempDirectory("narthex-s3proxy-tls");
      Path file = dir.resolve("keystore.jks");
      Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
      Process process = new ProcessBuilder(keytool.toString(), "-genkeypair", "-alias", "s3proxy",
          "-keyalg", "EC", "-groupname", "secp256r1", "-validity", "2", "-dname", "CN=127.0.0.1",
          "-ext", "SAN=ip:127.0.0.1", "-storetype", "JKS", "-keystore", file.toString(),
          "-storepass", KEYSTORE_PASSWORD, "-keypass", KEYSTORE_PASSWORD)
          .redirectErrorStream(true)
          .start();
      String output = new String(process.getInputStream().readAllBytes());
      if (!process.waitFor(30, TimeUnit.SECONDS) || process.exitValue() != 0) {
        throw new IllegalStateException("keytool failed: " + output);
      }
      file.toFile().deleteOnExit();
      dir.toFile().deleteOnExit();
      keyStore = file;
    }
    return keyStore;
  }

  @Override
  public void close() throws Exception {
    stop();
  }
}
