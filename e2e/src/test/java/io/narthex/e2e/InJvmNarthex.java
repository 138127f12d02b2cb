package io.narthex.e2e;

import static org.awaitility.Awaitility.await;

import io.narthex.app.Narthex;
import io.narthex.app.NarthexOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** An all-in-one Narthex in the test's JVM: every component, free ports, its data under one directory. */
final class InJvmNarthex {
  private InJvmNarthex() {}

  /** Starts Narthex with its data under {@code dir} and {@code flags} added, and waits up to 30 s until it is ready. */
  static Narthex start(Path dir, String... flags) throws Exception {
    List<String> args = new ArrayList<>(List.of(
        "--server.http-listen-port=0", "--server.grpc-listen-port=0",
        "--ingester.raft-listen-port=" + ExternalProcess.freePort(),
        "--blocks-storage.tsdb.dir=" + dir.resolve("tsdb"),
        "--blocks-storage.filesystem.dir=" + dir.resolve("bucket"),
        "--blocks-storage.bucket-store.sync-dir=" + dir.resolve("sync"),
        "--compactor.data-dir=" + dir.resolve("compactor")));
    args.addAll(List.of(flags));
    Narthex narthex = Narthex.start(NarthexOptions.parse(args.toArray(String[]::new)));
    await().atMost(Duration.ofSeconds(30)).until(narthex::ready);
    return narthex;
  }
}
