package io.narthex.bench;

import io.narthex.app.Narthex;
import io.narthex.app.NarthexOptions;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** An all-in-one Narthex in this JVM for the generators' smoke tests, on free ports and under one directory. */
final class InProcessNarthex {
  private InProcessNarthex() {}

  /** Starts Narthex with its data under {@code dir} and {@code extraFlags}, and waits until it is ready. */
  static Narthex start(Path dir, String... extraFlags) throws Exception {
    List<String> flags = new ArrayList<>(List.of(
        "--server.http-listen-port=0", "--server.grpc-listen-port=0",
        "--ingester.raft-listen-port=" + freePort(),
        "--blocks-storage.tsdb.dir=" + dir.resolve("tsdb"),
        "--blocks-storage.filesystem.dir=" + dir.resolve("blocks"),
        "--blocks-storage.bucket-store.sync-dir=" + dir.resolve("sync"),
        "--compactor.data-dir=" + dir.resolve("compactor")));
    flags.addAll(List.of(extraFlags));
    Narthex narthex = Narthex.start(NarthexOptions.parse(flags.toArray(String[]::new)));
    while (!narthex.ready()) {
      Thread.sleep(10);
    }
    return narthex;
  }

  private static int freePort() throws Exception {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
