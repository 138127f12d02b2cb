package io.narthex.app;

import io.narthex.ingester.FreePorts;
import java.nio.file.Path;

/** An all-in-one Narthex for the app tests: every component in one process, on free ports, under one directory. */
final class SingleProcess {
  private SingleProcess() {}

  /**
   * Starts Narthex with its data under {@code dir} and {@code flags} added, and waits up to 30 s until it is ready.
   * A flag in {@code flags} replaces the default one of the same name (free ports, directories under {@code dir}).
   */
  static Narthex start(Path dir, String... flags) throws Exception {
    java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("--server.http-listen-port=0",
        "--server.grpc-listen-port=0", "--blocks-storage.tsdb.dir=" + dir.resolve("tsdb"),
        "--blocks-storage.filesystem.dir=" + dir.resolve("bucket"),
        "--blocks-storage.bucket-store.sync-dir=" + dir.resolve("sync"),
        "--compactor.data-dir=" + dir.resolve("compactor")));
    args.add("--ingester.raft-listen-port=" + FreePorts.next());
    for (String flag : flags) {
      String name = flag.substring(0, flag.indexOf('=') + 1);
      args.removeIf(arg -> !name.isEmpty() && arg.startsWith(name));
      args.add(flag);
    }
    Narthex narthex = Narthex.start(NarthexOptions.parse(args.toArray(String[]::new)));
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (!narthex.ready() && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    return narthex;
  }
}
