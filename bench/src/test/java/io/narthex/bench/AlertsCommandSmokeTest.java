package io.narthex.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.narthex.app.Narthex;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The alerts mode against a real all-in-one Narthex in this JVM, shrunk to seconds (5 tenants, 1 s group_wait). */
class AlertsCommandSmokeTest {
  @TempDir
  Path dataDir;

  @Test
  void everyPostedAlertIsNotifiedOnceInOneNotificationPerGroup() throws Exception {
    try (Narthex narthex = InProcessNarthex.start(dataDir)) {
      StringWriter output = new StringWriter();
      int exit = BenchMain.commandLine().setOut(new PrintWriter(output)).execute("alerts",
          "--url=http://127.0.0.1:" + narthex.httpPort(), "--tenants=5", "--alerts=200", "--alerts-per-group=10",
          "--group-wait=1s", "--timeout=30s", "--json");
      System.out.print(output);

      assertThat(exit).as(output.toString()).isZero();
      JsonNode summary = WriteCommandTest.lastJsonLine(output.toString());
      assertThat(summary.get("alerts_notified").asLong()).isEqualTo(200);
      assertThat(summary.get("notifications").asLong()).isEqualTo(20);
      assertThat(summary.get("dispatch_delay_p50_ms").asDouble()).isNotNegative();
    }
  }
}
