package io.narthex.alertmanager.dispatch;

import static io.narthex.alertmanager.dispatch.Fixtures.labels;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class NotificationLogTest {
  /**
   * The expected values are XXH64 (seed 0) from Debian's libxxhash 0.8.1, called through Python's ctypes on the bytes
   * {@code notify.hashAlert} builds ({@code name 0xff value 0xff} per label, names sorted). The label sets cover every
   * branch of the hash: empty input, the 1-, 4- and 8-byte tails, and one and two 32-byte stripes.
   */
  @Test
  void hashAlertIsAlertmanagersXxHash64OfTheSortedLabels() {
    assertThat(NotificationLog.hashAlert(labels())).isEqualTo(0xef46db3751d8e999L);
    assertThat(NotificationLog.hashAlert(labels("a", "b"))).isEqualTo(0x608891b6a4fd3588L);
    assertThat(NotificationLog.hashAlert(labels("a", "bc"))).isEqualTo(0x25743fba3cc46906L);
    assertThat(NotificationLog.hashAlert(labels("alertname", "x"))).isEqualTo(0x1c73c0192a74bf09L);
    assertThat(NotificationLog.hashAlert(labels("team", "db", "severity", "critical", "alertname", "DbDown",
        "cluster", "c1"))).isEqualTo(0x6d800b0171f3653dL);
    assertThat(NotificationLog.hashAlert(labels("alertname", "Wärme", "instance", "höst:9100", "job", "node")))
        .isEqualTo(0x377bd664f0254770L);
    assertThat(NotificationLog.hashAlert(labels("alertname", "HighLatency", "service",
        "api-gateway-production-eu-west-1", "le", "0.5"))).isEqualTo(0x31d2c306fc01f4dbL);
  }
}
