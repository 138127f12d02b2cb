package io.narthex.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.narthex.blocks.BlockUploadLimits;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Block upload is off unless the flag or the tenant's runtime override turns it on, as Mimir's. */
class RuntimeConfigBlockUploadTest {
  @TempDir Path dir;

  @Test
  void blockUploadIsDisabledByDefaultAndEnabledPerTenantInTheRuntimeConfig() throws Exception {
    NarthexOptions options = NarthexOptions.parse();
    BlockUploadLimits defaults = new BlockUploadLimits(options.limits.blockUploadEnabled,
        options.limits.blockUploadMaxBlockSizeBytes, options.limits.maxLabelNamesPerSeries,
            options.limits.createGracePeriod);
    Path file = dir.resolve("runtime.yaml");
    Files.writeString(file, """
        overrides:
          backfill:
            compactor_block_upload_enabled: true
            compactor_block_upload_max_block_size_bytes: 1000
          other:
            compactor_blocks_retention_period: 30d
        """);

    try (RuntimeConfig config = new RuntimeConfig(file, Duration.ofHours(1))) {
      assertThat(defaults.enabled()).isFalse();
      assertThat(defaults.maxBlockSizeBytes()).isEqualTo(10L << 30);
      assertThat(config.blockUploadLimits("other", defaults)).isEqualTo(defaults);
      assertThat(config.blockUploadLimits("backfill", defaults)).satisfies(limits -> {
        assertThat(limits.enabled()).isTrue();
        assertThat(limits.maxBlockSizeBytes()).isEqualTo(1000);
        assertThat(limits.maxLabelNamesPerSeries()).isEqualTo(defaults.maxLabelNamesPerSeries());
      });
    }
  }

  @Test
  void rejectsABlockUploadOverrideThatIsNotABoolean() throws Exception {
    Path file = dir.resolve("runtime.yaml");
    Files.writeString(file, "overrides:\n  t:\n    compactor_block_upload_enabled: maybe\n");

    assertThatThrownBy(() -> new RuntimeConfig(file, Duration.ofHours(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("overrides.t.compactor_block_upload_enabled must be true or false");
  }
}
