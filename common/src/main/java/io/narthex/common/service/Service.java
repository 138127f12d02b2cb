package io.narthex.common.service;

/**
 * A long-lived component of a Narthex process: started once, stopped once, by a {@link ServiceManager} in dependency
 * order. The states a service passes through are {@link ServiceManager.State}, after Mimir's dskit services.
 */
public interface Service {
  /**
   * Starts the service; returns once it serves. A service that throws is FAILED, and the manager stops the services
   * started before it.
   *
   * @throws Exception any fault that keeps the service from serving (a port in use, an unreadable directory)
   */
  void start() throws Exception;

  /** Stops the service and releases what it holds; called once, after every service that depends on it stopped. */
  void stop();

  /** Whether the service can take traffic; a running service that is still catching up answers false. */
  default boolean ready() {
    return true;
  }

  /** Starting that may fail; see {@link #start}. */
  @FunctionalInterface
  interface Starter {
    void start() throws Exception;
  }

  /** A service made of two calls, for components that already have their own start and close methods. */
  static Service of(Starter start, Runnable stop) {
    return new Service() {
      @Override
      public void start() throws Exception {
        start.start();
      }

      @Override
      public void stop() {
        stop.run();
      }
    };
  }

  /** A service that holds {@code resource} only: nothing to start, and stopping closes it. */
  static Service closing(AutoCloseable resource) {
    return new Service() {
      @Override
      public void start() {}

      @Override
      public void stop() {
        try {
          resource.close();
        } catch (Exception e) {
          throw new IllegalStateException("closing " + resource + " failed: " + e, e);
        }
      }
    };
  }
}
