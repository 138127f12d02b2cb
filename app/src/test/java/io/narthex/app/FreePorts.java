package io.narthex.app;

import java.io.IOException;
import java.net.ServerSocket;

/** Loopback ports for the processes the app tests start. */
final class FreePorts {
  private FreePorts() {}

  /** A port free right now; another process may take it before the caller binds it. */
  static int next() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
