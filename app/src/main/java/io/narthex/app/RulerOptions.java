package io.narthex.app;

import picocli.CommandLine.Option;

/**
 * The ruler and its rule storage (Mimir's {@code ruler} and {@code ruler_storage} blocks). A mixin of {@link
 * NarthexOptions}, reached as {@code options.ruler}: each option's flag, YAML path ({@code descriptionKey}), default
 * and help are declared here once, and the CLI, {@code --config.file} and docs/configuration.md are all generated from
 * it.
 */
public final class RulerOptions {
  @Option(names = {"--ruler-storage.backend", "-ruler-storage.backend"},
      descriptionKey = "ruler_storage.backend", defaultValue = "bucket",
      description = "where rule groups are kept: `bucket` (Mimir's `filesystem` and `s3` are accepted as synonyms) "
          + "stores one object per group under `rules/` in the blocks bucket, so the rules config API can write; "
          + "`local` reads Prometheus rule files from `-ruler-storage.local.directory` and refuses writes. Narthex has "
          + "one bucket, so `bucket` is the default of a single process as of a cluster")
  public String storageBackend = "bucket";

  @Option(names = {"--ruler-storage.local.directory", "-ruler-storage.local.directory"},
      descriptionKey = "ruler_storage.local.directory", defaultValue = "",
      description = "with `-ruler-storage.backend=local`: the directory of rule files, `<directory>/<tenant>/*.yaml` "
          + "(and `*.yml`), each file a namespace named after it")
  public String storageLocalDirectory = "";

  @Option(names = {"--ruler.enable-api", "-ruler.enable-api"},
      descriptionKey = "ruler.enable_api", defaultValue = "true", arity = "0..1", fallbackValue = "true",
      description = "serve the rules config API under `-http.prometheus-http-prefix` (`/config/v1/rules`)")
  public boolean enableApi = true;

  @Option(names = {"--ruler.ring.instance-id", "-ruler.ring.instance-id"},
      descriptionKey = "ruler.ring.instance_id", defaultValue = "",
      description = "this ruler's id among `ruler.ring.nodes` (`{id, http_address}` entries in the config file; "
          + "without them every ruler owns every rule group, so run one); empty: `--ingester.ring.instance-id`. "
          + "Each group is evaluated by the one ruler that wins its `<tenant>/<namespace>/<group>` key by "
          + "rendezvous hashing")
  public String instanceId = "";
}
