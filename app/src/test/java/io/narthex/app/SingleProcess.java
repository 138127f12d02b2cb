package io.narthex.app;

import java.nio.file.Path;

/** An all-in-one Narthex for the app tests: every component in one process, on free ports, under one directory. */
final class SingleProcess {
  private SingleProcess() {}

  /**
   * Starts Narthex with its data under {@code dir} and {@code flags} added, and waits up to 30 s until it is ready.
   */
  static Narthex start(Path dir, String... flags) throws Exception {
    String[] base = {"--server.http-listen-port=0", "--server.grpc-listen-port=0",
        "--ingester.raft-listen-port=" + FreePorts.next(), "--blocks-storage.tsdb.dir=" + dir.resolve("tsdb"),
        "--blocks-storage.filesystem.dir=" + dir.resolve("bucket"),
        "--blocks-storage.bucket-store.sync-dir=" + dir.resolve("sync"),
        "--compactor.data-dir=" + dir.resolve("compactor")};
    String[] args = new String[base.length + flags.length];
    System.arraycopy(base, 0, args, 0, base.length);
    System.arraycopy(flags, 0, args, base.length, flags.length);
    Narthex narthex = Narthex.start(NarthexOptions.parse(args));
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (!narthex.ready() && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    return narthex;
  }
}
