package io.narthex.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.server.Server;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The pool that runs the routes' blocking work is sized for the cores, not Armeria's 200 threads. */
class HttpBlockingPoolTest {
  @Test
  void blockingWorkOfManyConcurrentRequestsRunsOnAtMostThePoolsThreadsAndTheRestWaits() throws Exception {
    int threads = HttpServerModule.blockingThreads(Runtime.getRuntime().availableProcessors());
    int requests = threads * 3;
    NarthexOptions options = NarthexOptions.parse("--server.http-listen-port=0");
    Set<Thread> used = ConcurrentHashMap.newKeySet();
    CountDownLatch release = new CountDownLatch(1);
    Server server = HttpServerModule.builder(options)
        .service("/block", (ctx, req) -> HttpResponse.of(CompletableFuture.supplyAsync(() -> {
          used.add(Thread.currentThread());
          try {
            release.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          return HttpResponse.of(HttpStatus.OK);
        }, ctx.blockingTaskExecutor())))
        .build();
    server.start().join();
    try (HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
      URI uri = URI.create("http://127.0.0.1:" + server.activeLocalPort() + "/block");
      List<CompletableFuture<java.net.http.HttpResponse<Void>>> answers = new ArrayList<>();
      for (int i = 0; i < requests; i++) {
        answers.add(http.sendAsync(HttpRequest.newBuilder(uri).build(),
            java.net.http.HttpResponse.BodyHandlers.discarding()));
      }
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (used.size() < threads && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      Thread.sleep(200); // time for a pool without the bound to start more threads
      assertThat(used).as("threads that took the blocking work while every one of them waits").hasSize(threads);
      release.countDown();
      for (CompletableFuture<java.net.http.HttpResponse<Void>> answer : answers) {
        assertThat(answer.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
      }
      assertThat(used).hasSize(threads);
    } finally {
      release.countDown();
      server.stop().join();
    }
  }
}
