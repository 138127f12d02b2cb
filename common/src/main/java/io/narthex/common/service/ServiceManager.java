package io.narthex.common.service;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Named modules with dependencies, started in dependency order and stopped in the reverse order, as Mimir's module
 * manager runs the modules of {@code -target} (dskit {@code modules.Manager}). A module is registered with a
 * factory that builds its {@link Service} when its dependencies already run, so a factory may use what they built.
 *
 * <p>Not thread-safe while starting or closing; {@link #state} and {@link #ready} may be read from any thread.
 */
public final class ServiceManager implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ServiceManager.class);

  /** The states of a module's service, as dskit's: NEW until started; FAILED when starting or stopping threw. */
  public enum State { NEW, STARTING, RUNNING, STOPPING, TERMINATED, FAILED }

  /** Builds a module's service; returning null means the module needs nothing started (routes only, say). */
  @FunctionalInterface
  public interface Factory {
    Service create() throws Exception;
  }

  private record Module(String name, List<String> dependsOn, Factory factory) {}

  private final Map<String, Module> modules = new LinkedHashMap<>();
  private final Map<String, State> states = new ConcurrentHashMap<>();
  /** Modules started or starting, in start order; the service is null for a module with nothing to run. */
  private final List<String> started = new ArrayList<>();
  private final Map<String, Service> services = new ConcurrentHashMap<>();

  /**
   * Registers a module.
   *
   * @throws IllegalArgumentException when the name is taken
   */
  public ServiceManager register(String name, Factory factory, String... dependsOn) {
    if (modules.putIfAbsent(name, new Module(name, List.of(dependsOn), factory)) != null) {
      throw new IllegalArgumentException("module " + name + " is registered twice");
    }
    return this;
  }

  /**
   * The modules {@code targets} need, dependencies first; among modules free to start, registration order decides.
   *
   * @throws IllegalArgumentException for an unknown module or a dependency cycle, naming it
   */
  public List<String> startOrder(Set<String> targets) {
    LinkedHashSet<String> order = new LinkedHashSet<>();
    for (String target : modules.keySet()) {
      if (targets.contains(target)) {
        visit(target, order, new LinkedHashSet<>());
      }
    }
    for (String target : targets) {
      if (!modules.containsKey(target)) {
        throw new IllegalArgumentException("unknown module " + target + "; known: " + modules.keySet());
      }
    }
    return List.copyOf(order);
  }

  private void visit(String name, Set<String> order, LinkedHashSet<String> path) {
    Module module = modules.get(name);
    if (module == null) {
      throw new IllegalArgumentException("unknown module " + name + " (a dependency of " + path + ")");
    }
    if (order.contains(name)) {
      return;
    }
    if (!path.add(name)) {
      throw new IllegalArgumentException("module dependency cycle: " + path + " -> " + name);
    }
    for (String dependency : module.dependsOn()) {
      visit(dependency, order, path);
    }
    path.remove(name);
    order.add(name);
  }

  /**
   * Builds and starts the modules {@code targets} need, in {@link #startOrder}. When one fails, the ones started
   * before it are stopped in reverse order and the failure is rethrown.
   *
   * @throws Exception the failing module's exception, with the module named in a suppressed note
   */
  public void start(Set<String> targets) throws Exception {
    for (String name : startOrder(targets)) {
      states.put(name, State.STARTING);
      started.add(name);
      try {
        Service service = modules.get(name).factory().create();
        if (service != null) {
          services.put(name, service);
          service.start();
        }
        states.put(name, State.RUNNING);
        log.debug("module running module={}", name);
      } catch (Exception | Error e) {
        states.put(name, State.FAILED);
        log.error("module failed to start module={} err=\"{}\"", name, e.toString());
        e.addSuppressed(new IllegalStateException("while starting module " + name));
        close();
        throw e;
      }
    }
  }

  /** The module's state: NEW when it was not started (or not needed by the targets). */
  public State state(String name) {
    return states.getOrDefault(name, State.NEW);
  }

  /** Every module's state, in start order. */
  public Map<String, State> states() {
    Map<String, State> all = new LinkedHashMap<>();
    for (String name : modules.keySet()) {
      all.put(name, state(name));
    }
    return all;
  }

  /**
   * The started modules that do not run, or whose service is not {@linkplain Service#ready() ready}, in start
   * order; all of them before anything started.
   */
  public List<String> notReady() {
    if (started.isEmpty()) {
      return List.copyOf(modules.keySet());
    }
    List<String> notReady = new ArrayList<>();
    for (String name : List.copyOf(started)) {
      Service service = services.get(name);
      if (state(name) != State.RUNNING || service != null && !service.ready()) {
        notReady.add(name);
      }
    }
    return notReady;
  }

  /** Stops every started service in reverse start order; a failing stop is logged and the others still stop. */
  @Override
  public void close() {
    for (int i = started.size() - 1; i >= 0; i--) {
      String name = started.get(i);
      boolean failed = states.get(name) == State.FAILED;
      states.put(name, State.STOPPING);
      try {
        Service service = services.remove(name);
        if (service != null) {
          service.stop();
        }
        states.put(name, failed ? State.FAILED : State.TERMINATED);
      } catch (RuntimeException e) {
        states.put(name, State.FAILED);
        log.warn("module failed to stop module={} err=\"{}\"", name, e.toString());
      }
    }
    started.clear();
  }
}
