package io.narthex.compactor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class CompactorConfigTest {
  private final CompactorConfig defaults = CompactorConfig.defaults(Path.of("data-compactor"));

  @Test
  void defaultsAreMimirsAndWorkInASingleProcess() {
    assertThat(defaults.blockRanges())
        .containsExactly(Duration.ofHours(2), Duration.ofHours(12), Duration.ofHours(24));
    assertThat(defaults.compactionInterval()).isEqualTo(Duration.ofHours(1));
    assertThat(defaults.deletionDelay()).isEqualTo(Duration.ofHours(12));
    assertThat(defaults.firstLevelCompactionWaitPeriod()).isEqualTo(Duration.ofMinutes(25));
    assertThat(defaults.partialBlockDeletionDelay()).isEqualTo(Duration.ofDays(1));
    assertThat(defaults.retention("any")).isZero();
    assertThat(defaults.compactorIds()).containsExactly(defaults.instanceId());
  }

  @Test
  void perTenantRetentionOverridesTheDefault() {
    CompactorConfig config = defaults.withRetention(Duration.ofDays(30),
        tenant -> tenant.equals("short") ? Duration.ofDays(1) : null);
    assertThat(config.retention("short")).isEqualTo(Duration.ofDays(1));
    assertThat(config.retention("other")).isEqualTo(Duration.ofDays(30));
  }

  @Test
  void parsesBlockRangesAsGoDurations() {
    assertThat(CompactorConfig.parseBlockRanges("2h0m0s, 12h,24h"))
        .containsExactly(Duration.ofHours(2), Duration.ofHours(12), Duration.ofHours(24));
    assertThatThrownBy(() -> CompactorConfig.parseBlockRanges("2x")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void rejectsRangesThatAreNotAscendingMultiples() {
    assertThatThrownBy(() -> defaults.withBlockRanges(List.of(Duration.ofHours(2), Duration.ofHours(3))))
        .hasMessageContaining("compactor.block-ranges");
    assertThatThrownBy(() -> defaults.withBlockRanges(List.of()))
        .hasMessageContaining("compactor.block-ranges");
  }

  @Test
  void ringMustIncludeThisCompactor() {
    assertThatThrownBy(() -> defaults.withRing("c-1", List.of("c-2", "c-3")))
        .hasMessageContaining("must include this compactor's id c-1");
  }
}
