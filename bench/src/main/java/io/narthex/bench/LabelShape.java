package io.narthex.bench;

import java.util.ArrayList;
import java.util.List;

/**
 * The synthetic series the write generator sends: a number of scrape targets, each exposing the same
 * {@link #FAMILY_SERIES} series (an up gauge, build info, CPU and network counters, memory gauges, request counters
 * and a classic request-duration histogram). The metric names are the same in both shapes, so one query set fits
 * both; the target labels differ: {@code node} looks like node-exporter targets on VMs, {@code kube} like pods
 * scraped in Kubernetes. Every series has 8 to 12 labels, {@code bench_run} included.
 *
 * <p>A target's {@code generation} is bumped when churn replaces it: its {@code instance} (and pod) get new values,
 * so all its series are new series.
 */
enum LabelShape {
  node,
  kube;

  /** le bounds of bench_request_duration_seconds, as Prometheus client libraries default to. */
  static final String[] BUCKETS = {"0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "+Inf"};
  private static final String[] MODES = {"user", "system", "idle", "iowait"};
  private static final String[][] REQUESTS = {
      {"GET", "200"}, {"GET", "404"}, {"GET", "500"}, {"POST", "200"}, {"POST", "400"}, {"POST", "500"}};
  private static final String[] REGIONS = {"us-east-1", "eu-west-1", "ap-southeast-2"};
  private static final String[] NAMESPACES = {
      "default", "kube-system", "monitoring", "payments", "checkout", "search", "ingest", "frontend"};
  private static final String[] DEPLOYMENTS = {"api", "worker", "gateway", "cache", "scheduler", "indexer"};

  /** Every metric name the generator writes. */
  static final List<String> METRIC_NAMES = List.of("bench_up", "bench_build_info", "bench_cpu_seconds_total",
      "bench_memory_usage_bytes", "bench_memory_limit_bytes", "bench_network_receive_bytes_total",
      "bench_requests_total", "bench_request_duration_seconds_bucket", "bench_request_duration_seconds_sum",
      "bench_request_duration_seconds_count");

  /** Series per target: up, build_info, 8 cpu, 2 memory, 2 network, 6 requests, 10 buckets + sum + count. */
  static final int FAMILY_SERIES = 1 + 1 + 8 + 2 + 2 + 6 + BUCKETS.length + 2;

  /** The labels of one series, as alternating names and values, {@code __name__} first. */
  List<String> labels(String runId, int target, int generation, int seriesInTarget) {
    List<String> labels = new ArrayList<>(24);
    int f = seriesInTarget;
    if (f == 0) {
      labels.add("__name__");
      labels.add("bench_up");
    } else if (f == 1) {
      labels.add("__name__");
      labels.add("bench_build_info");
    } else if (f < 10) {
      labels.add("__name__");
      labels.add("bench_cpu_seconds_total");
    } else if (f == 10) {
      labels.add("__name__");
      labels.add("bench_memory_usage_bytes");
    } else if (f == 11) {
      labels.add("__name__");
      labels.add("bench_memory_limit_bytes");
    } else if (f < 14) {
      labels.add("__name__");
      labels.add("bench_network_receive_bytes_total");
    } else if (f < 20) {
      labels.add("__name__");
      labels.add("bench_requests_total");
    } else if (f < 20 + BUCKETS.length) {
      labels.add("__name__");
      labels.add("bench_request_duration_seconds_bucket");
    } else if (f == 20 + BUCKETS.length) {
      labels.add("__name__");
      labels.add("bench_request_duration_seconds_sum");
    } else {
      labels.add("__name__");
      labels.add("bench_request_duration_seconds_count");
    }
    labels.add("bench_run");
    labels.add(runId);
    targetLabels(labels, target, generation);
    if (f == 1) {
      add(labels, "version", "1." + (target % 7) + "." + (target % 3));
      add(labels, "revision", Integer.toHexString(0x5f3a1c0 + target % 7 * 4099));
    } else if (f >= 2 && f < 10) {
      add(labels, "cpu", Integer.toString((f - 2) / MODES.length));
      add(labels, "mode", MODES[(f - 2) % MODES.length]);
    } else if (f == 12 || f == 13) {
      add(labels, "device", f == 12 ? "eth0" : "eth1");
    } else if (f >= 14 && f < 20) {
      add(labels, "method", REQUESTS[f - 14][0]);
      add(labels, "code", REQUESTS[f - 14][1]);
    } else if (f >= 20 && f < 20 + BUCKETS.length) {
      add(labels, "le", BUCKETS[f - 20]);
    }
    return labels;
  }

  private void targetLabels(List<String> labels, int target, int generation) {
    // One id per (target, generation): a replaced target looks like a new host or a rescheduled pod.
    long id = target + (long) generation * 1_000_003L;
    String ip = "10." + (id >> 16 & 0xff) + "." + (id >> 8 & 0xff) + "." + (id & 0xff);
    String cluster = "prod-" + (char) ('a' + target % 4);
    if (this == node) {
      add(labels, "job", "node");
      add(labels, "instance", "ip-" + ip.replace('.', '-') + ".ec2.internal:9100");
      add(labels, "cluster", cluster);
      add(labels, "region", REGIONS[target % REGIONS.length]);
      add(labels, "availability_zone", REGIONS[target % REGIONS.length] + (char) ('a' + target / 3 % 3));
      add(labels, "env", target % 10 == 0 ? "staging" : "production");
      add(labels, "os", target % 5 == 0 ? "ubuntu-22.04" : "ubuntu-24.04");
    } else {
      String deployment = DEPLOYMENTS[target % DEPLOYMENTS.length];
      add(labels, "job", "kubernetes-pods");
      add(labels, "instance", ip + ":8080");
      add(labels, "cluster", cluster);
      add(labels, "namespace", NAMESPACES[target / DEPLOYMENTS.length % NAMESPACES.length]);
      add(labels, "pod", deployment + "-" + Integer.toHexString(target * 0x9E3779B1 | 0x10000000)
          + "-" + Long.toString(id * 2654435761L & 0xffffffL | 0x1000000L, 36));
      add(labels, "container", deployment);
      add(labels, "node", "gke-" + cluster + "-pool-" + (target % 40));
      add(labels, "service", deployment);
    }
  }

  private static void add(List<String> labels, String name, String value) {
    labels.add(name);
    labels.add(value);
  }

  /**
   * The sample value of one series in one round: counters grow at a per-series rate (so topk sees no ties),
   * histogram buckets stay cumulative, gauges wander.
   */
  static double value(int target, int seriesInTarget, long round) {
    int f = seriesInTarget;
    double perSeries = 1 + (target * 31 + f * 17) % 97 / 10.0;
    if (f == 0 || f == 1) {
      return 1;
    }
    if (f < 10) {
      return round * 15 * perSeries / 10.0;
    }
    if (f == 10) {
      return 2.0e9 + (target % 13) * 1.0e8 + (round % 40) * 1.0e7;
    }
    if (f == 11) {
      return 8.0e9;
    }
    if (f < 14) {
      return round * 15 * perSeries * 1000;
    }
    if (f < 20) {
      return round * perSeries * (f % 3 == 2 ? 0.1 : 10);
    }
    double requests = round * (1 + target % 11);
    if (f < 20 + BUCKETS.length) {
      int bucket = f - 20;
      // Cumulative: bucket i holds (i + 1) / BUCKETS.length of the requests.
      return Math.floor(requests * (bucket + 1) / BUCKETS.length);
    }
    if (f == 20 + BUCKETS.length) {
      return requests * 0.13;
    }
    return requests;
  }
}
