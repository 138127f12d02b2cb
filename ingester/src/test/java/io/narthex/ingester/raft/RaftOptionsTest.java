package io.narthex.ingester.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class RaftOptionsTest {
  private static final TlsFiles TLS = new TlsFiles(Path.of("cert.pem"), Path.of("key.pem"), Path.of("ca.pem"));
  private static final Duration SECOND = Duration.ofSeconds(1);

  @Test
  void tlsOnEitherSideKeepsTheGrpcTransportWhichAloneHasIt() {
    assertThat(new RaftOptions(SECOND, 10, SECOND, "", TLS, TLS).transport()).isEqualTo(RaftOptions.Transport.GRPC);
    assertThat(new RaftOptions(SECOND, 10, SECOND, "", null, TLS).transport()).isEqualTo(RaftOptions.Transport.GRPC);
    assertThat(new RaftOptions(SECOND, 10, SECOND, "", null, null).transport())
        .isEqualTo(RaftOptions.DEFAULT_TRANSPORT);
  }

  @Test
  void refusesTheNettyTransportWithTls() {
    RaftOptions grpc = new RaftOptions(SECOND, 10, SECOND, "", TLS, TLS);
    assertThatThrownBy(() -> grpc.withTransport(RaftOptions.Transport.NETTY))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no TLS");
  }
}
