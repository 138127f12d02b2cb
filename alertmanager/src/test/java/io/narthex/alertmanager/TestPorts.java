package io.narthex.alertmanager;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/** Loopback ports for the processes and servers tests start. */
public final class TestPorts {
  private static final Duration LISTEN_TIMEOUT = Duration.ofSeconds(20);
  /** Ports handed out in this JVM: a caller may not have bound its port yet when the next asks. */
  private static final Set<Integer> handedOut = ConcurrentHashMap.newKeySet();

  private TestPorts() {}

  /**
   * A free loopback port below the Linux ephemeral range (32768), so that no outgoing connection takes it between
   * this check and the caller's bind; never one handed out before in this JVM.
   */
  public static int freePort() {
    for (int attempt = 0; attempt < 50; attempt++) {
      int port = ThreadLocalRandom.current().nextInt(20000, 32000);
      if (!handedOut.add(port)) {
        continue;
      }
      try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
        return port;
      } catch (IOException taken) {
        // try another
      }
    }
    throw new IllegalStateException("no free loopback port below 32768");
  }

  /**
   * Waits until something accepts TCP connections on loopback {@code port}.
   *
   * @throws IllegalStateException when nothing does within 20 s
   */
  public static void awaitListening(int port, String what) throws InterruptedException {
    long deadline = System.nanoTime() + LISTEN_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
        return;
      } catch (IOException notYet) {
        Thread.sleep(50);
      }
    }
    throw new IllegalStateException(what + " is not listening on port " + port + " after " + LISTEN_TIMEOUT);
  }
}
