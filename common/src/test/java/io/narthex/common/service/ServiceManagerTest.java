package io.narthex.common.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.narthex.common.service.ServiceManager.State;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ServiceManagerTest {
  private final List<String> events = new ArrayList<>();

  private Service recording(String name) {
    return new Service() {
      @Override
      public void start() {
        events.add("start " + name);
      }

      @Override
      public void stop() {
        events.add("stop " + name);
      }
    };
  }

  @Test
  void startsDependenciesFirstOnlyThoseTheTargetsNeedAndStopsInReverse() throws Exception {
    ServiceManager manager = new ServiceManager()
        .register("bucket", () -> recording("bucket"))
        .register("unused", () -> recording("unused"))
        .register("ingester", () -> recording("ingester"), "bucket")
        .register("querier", () -> recording("querier"), "ingester", "bucket")
        .register("server", () -> recording("server"), "querier");

    manager.start(Set.of("server"));
    assertThat(events).containsExactly("start bucket", "start ingester", "start querier", "start server");
    assertThat(manager.state("querier")).isEqualTo(State.RUNNING);
    assertThat(manager.state("unused")).isEqualTo(State.NEW);
    assertThat(manager.notReady()).isEmpty();

    events.clear();
    manager.close();
    assertThat(events).containsExactly("stop server", "stop querier", "stop ingester", "stop bucket");
    assertThat(manager.state("bucket")).isEqualTo(State.TERMINATED);
  }

  @Test
  void aFailedStartStopsWhatStartedBeforeItAndRethrowsNamingTheModule() {
    ServiceManager manager = new ServiceManager()
        .register("bucket", () -> recording("bucket"))
        .register("ingester", () -> {
          throw new IOException("port 9095 in use");
        }, "bucket")
        .register("server", () -> recording("server"), "ingester");

    assertThatThrownBy(() -> manager.start(Set.of("server")))
        .isInstanceOf(IOException.class)
        .hasMessage("port 9095 in use")
        .satisfies(e -> assertThat(e.getSuppressed()[0]).hasMessageContaining("module ingester"));
    assertThat(events).containsExactly("start bucket", "stop bucket");
    assertThat(manager.state("ingester")).isEqualTo(State.FAILED);
    assertThat(manager.state("bucket")).isEqualTo(State.TERMINATED);
    assertThat(manager.state("server")).isEqualTo(State.NEW);
  }

  @Test
  void aFailingStopIsRecordedAndTheOthersStillStop() throws Exception {
    ServiceManager manager = new ServiceManager()
        .register("bucket", () -> recording("bucket"))
        .register("compactor", () -> new Service() {
          @Override
          public void start() {}

          @Override
          public void stop() {
            throw new IllegalStateException("stuck");
          }
        }, "bucket");
    manager.start(Set.of("compactor"));
    manager.close();
    assertThat(events).containsExactly("start bucket", "stop bucket");
    assertThat(manager.state("compactor")).isEqualTo(State.FAILED);
  }

  @Test
  void aServiceThatIsNotReadyMakesTheProcessNotReady() throws Exception {
    boolean[] caughtUp = {false};
    ServiceManager manager = new ServiceManager().register("ingester", () -> new Service() {
      @Override
      public void start() {}

      @Override
      public void stop() {}

      @Override
      public boolean ready() {
        return caughtUp[0];
      }
    });
    assertThat(manager.notReady()).containsExactly("ingester");
    manager.start(Set.of("ingester"));
    assertThat(manager.notReady()).containsExactly("ingester");
    caughtUp[0] = true;
    assertThat(manager.notReady()).isEmpty();
  }

  @Test
  void rejectsCyclesAndUnknownModulesByName() {
    ServiceManager manager = new ServiceManager()
        .register("a", () -> null, "b")
        .register("b", () -> null, "a")
        .register("c", () -> null, "missing");
    assertThatThrownBy(() -> manager.startOrder(Set.of("a"))).hasMessageContaining("cycle").hasMessageContaining("a");
    assertThatThrownBy(() -> manager.startOrder(Set.of("c"))).hasMessageContaining("unknown module missing");
    assertThatThrownBy(() -> manager.startOrder(Set.of("nope"))).hasMessageContaining("unknown module nope");
    assertThatThrownBy(() -> manager.register("a", () -> null)).hasMessageContaining("registered twice");
  }
}
