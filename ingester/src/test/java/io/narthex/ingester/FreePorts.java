package io.narthex.ingester;

import java.io.IOException;
import java.net.ServerSocket;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Ports for the ingester's tests and the app's (which run in parallel in one JVM). Each port comes from a JVM-wide
 * counter below the kernel's ephemeral range (32768 and up on Linux), so two tests never get the same one, and
 * neither can an outgoing connection or a port-0 bind in the meantime: {@code new ServerSocket(0)} handed out ephemeral ports, and a
 * client socket took one before Raft bound it (the fork then died of Ratis's "Failed to start Grpc server" exit).
 */
public final class FreePorts {
  private static final int FLOOR = 15_000;
  private static final int CEILING = 32_000;
  /** The next candidate; a random start keeps concurrent JVMs (surefire forks, Maven runs) mostly apart. */
  private static int next = ThreadLocalRandom.current().nextInt(FLOOR, CEILING);

  private FreePorts() {}

  /** One port that binds now and that this JVM has not handed out before. */
  public static int next() throws IOException {
    return block(1);
  }

  /**
   * The first of {@code count} consecutive ports that all bind now and that this JVM has not handed out before.
   *
   * @throws IOException when no such run is found in the range
   */
  public static synchronized int block(int count) throws IOException {
    for (int tried = 0; tried < CEILING - FLOOR; tried += count) {
      if (next + count > CEILING) {
        next = FLOOR;
      }
      int candidate = next;
      next += count;
      if (allBind(candidate, count)) {
        return candidate;
      }
    }
    throw new IOException("no run of " + count + " free ports between " + FLOOR + " and " + CEILING);
  }

  private static boolean allBind(int first, int count) {
    for (int port = first; port < first + count; port++) {
      try (ServerSocket socket = new ServerSocket(port)) {
        socket.setReuseAddress(true);
      } catch (IOException e) {
        return false;
      }
    }
    return true;
  }
}
