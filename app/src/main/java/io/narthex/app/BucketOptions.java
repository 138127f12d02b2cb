package io.narthex.app;

import picocli.CommandLine.Option;

/**
 * The object storage holding blocks, rules and markers ({@code blocks_storage} backend, filesystem and s3). A mixin of
 * {@link NarthexOptions}, reached as {@code options.bucket}: each option's flag, YAML path ({@code descriptionKey}),
 * default and help are declared here once, and the CLI, {@code --config.file} and docs/configuration.md are all
 * generated from it.
 */
public final class BucketOptions {
  @Option(names = {"--blocks-storage.backend", "-blocks-storage.backend"},
      descriptionKey = "blocks_storage.backend", defaultValue = "filesystem",
      description = "object storage of blocks: `filesystem` or `s3`")
  public String backend = "filesystem";

  @Option(names = {"--blocks-storage.filesystem.dir", "-blocks-storage.filesystem.dir"},
      descriptionKey = "blocks_storage.filesystem.dir", defaultValue = "./data/blocks",
      description = "root directory of the filesystem backend")
  public String filesystemDir = "./data/blocks";

  @Option(names = {"--blocks-storage.s3.endpoint", "-blocks-storage.s3.endpoint"},
      descriptionKey = "blocks_storage.s3.endpoint", defaultValue = "",
      description = "`host[:port]` or a URL; empty: AWS")
  public String s3Endpoint = "";

  @Option(names = {"--blocks-storage.s3.region", "-blocks-storage.s3.region"},
      descriptionKey = "blocks_storage.s3.region", defaultValue = "",
      description = "region; empty: `us-east-1`")
  public String s3Region = "";

  @Option(names = {"--blocks-storage.s3.bucket-name", "-blocks-storage.s3.bucket-name"},
      descriptionKey = "blocks_storage.s3.bucket_name", defaultValue = "",
      description = "bucket; required with `s3`")
  public String s3BucketName = "";

  @Option(names = {"--blocks-storage.s3.access-key-id", "-blocks-storage.s3.access-key-id"},
      descriptionKey = "blocks_storage.s3.access_key_id", defaultValue = "",
      description = "empty: the AWS default credential chain")
  public String s3AccessKeyId = "";

  @Option(names = {"--blocks-storage.s3.secret-access-key", "-blocks-storage.s3.secret-access-key"},
      descriptionKey = "blocks_storage.s3.secret_access_key", defaultValue = "",
      description = "S3 secret access key; empty: the AWS default credential chain")
  public String s3SecretAccessKey = "";

  @Option(names = {"--blocks-storage.s3.bucket-lookup-type", "-blocks-storage.s3.bucket-lookup-type"},
      descriptionKey = "blocks_storage.s3.bucket_lookup_type", defaultValue = "auto",
      description = "`auto`, `virtual-hosted` or `path` (MinIO and most self-hosted stores need `path`)")
  public String s3BucketLookupType = "auto";

  @Option(names = {"--blocks-storage.s3.insecure", "-blocks-storage.s3.insecure"},
      descriptionKey = "blocks_storage.s3.insecure", defaultValue = "false", arity = "0..1", fallbackValue = "true",
      description = "plain HTTP to an endpoint given without a scheme")
  public boolean s3Insecure;

  @Option(names = {"--blocks-storage.s3.http.insecure-skip-verify", "-blocks-storage.s3.http.insecure-skip-verify"},
      descriptionKey = "blocks_storage.s3.http.insecure_skip_verify", defaultValue = "false", arity = "0..1",
      fallbackValue = "true",
      description = "accept any TLS certificate (test setups only)")
  public boolean s3InsecureSkipVerify;

  @Option(names = {"--blocks-storage.s3.max-retries", "-blocks-storage.s3.max-retries"},
      descriptionKey = "blocks_storage.s3.max_retries", defaultValue = "10",
      description = "retries of a failed call, with exponential backoff")
  public int s3MaxRetries = 10;
}
