package io.narthex.blocks;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.narthex.blocks.BlockUploadException.Reason;
import io.narthex.common.Directories;
import io.narthex.common.Ulid;
import io.narthex.objstore.Bucket;
import io.narthex.objstore.NoSuchObjectException;
import io.narthex.tsdb.block.BlockFiles;
import io.narthex.tsdb.block.BlockMetaFile;
import io.narthex.tsdb.block.BlockReader;
import io.narthex.tsdb.block.BlockValidationException;
import io.narthex.tsdb.labels.Matcher;
import io.narthex.tsdb.storage.EncodedSeries;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The block upload (backfill) API's logic, as Mimir's compactor serves it (pkg/compactor/block_upload.go): a client
 * starts an upload with the block's meta.json, sends the index and chunk segment files, then asks to finish. Files
 * go straight to {@code <tenant>/<ulid>/} in the bucket; the block stays partial (no meta.json, so no reader and
 * no {@link BucketIndex} sees it) until finish has validated it.
 *
 * <ul>
 *   <li>start: checks and sanitizes meta.json, stores it as {@code uploading-meta.json}.
 *   <li>files: stores {@code index} or {@code chunks/NNNNNN}, nothing else.
 *   <li>finish: downloads the block to a scratch directory, reads it whole with {@link BlockReader#validate} (every
 *       chunk referenced, samples inside the range), checks the limits, then writes meta.json with the recomputed
 *       stats, the tenant's {@code __org_id__} external label and source "upload", deletes
 *       {@code uploading-meta.json} and updates the bucket index. Unlike Mimir, finish validates before answering,
 *       so its answer says whether the block is in.
 *   <li>check: the upload's state, as Mimir's.
 * </ul>
 *
 * <p>A validation failure is kept in {@code validation.json} (Mimir's file) for check to report; the client may fix
 * the files and finish again, or start over. Errors the client must fix are {@link BlockUploadException}s; an
 * {@link IOException} is a server (bucket or scratch disk) fault. Thread-safe.
 */
public final class BlockUploadService {
  private static final Logger log = LoggerFactory.getLogger(BlockUploadService.class);

  static final String UPLOADING_META = "uploading-meta.json";
  static final String VALIDATION = "validation.json";
  /** Largest meta.json accepted by start, as Mimir. */
  public static final int MAX_META_BYTES = 1 << 20;
  static final Duration VALIDATION_HEARTBEAT_TIMEOUT = Duration.ofMinutes(5);
  static final Pattern FILE_PATH = Pattern.compile("index|chunks/[0-9]{6}");
  static final String TENANT_LABEL = "__org_id__";
  static final String SOURCE_UPLOAD = "upload";
  /** External labels an uploaded meta.json may carry; all are dropped (the tenant's is set again). */
  private static final Set<String> DROPPED_LABELS =
      Set.of(TENANT_LABEL, "__ingester_id__", "__shard_id__", "__compactor_shard_id__");
  private static final Matcher ALL_SERIES = Matcher.of(Matcher.Type.REGEX, "__name__", ".*");

  private final Bucket bucket;
  private final Function<String, BlockUploadLimits> limitsByTenant;
  private final Path scratchDir;
  private final Semaphore validations;
  private final int maxConcurrentValidations;
  private final Clock clock;
  private final BlockUploadMetrics metrics;
  private final Set<String> validating = ConcurrentHashMap.newKeySet();

  /**
   * The same limits for every tenant, one validation at a time (Mimir's
   * {@code -compactor.max-block-upload-validation-concurrency} default).
   */
  public BlockUploadService(Bucket bucket, BlockUploadLimits limits, Path scratchDir) {
    this(bucket, tenant -> limits, scratchDir, 1, Clock.systemUTC());
  }

  /**
   * @param limitsByTenant the tenant's limits, asked on every request (runtime overrides change them)
   * @param scratchDir where finish downloads blocks to validate them; created when missing
   * @param maxConcurrentValidations finishes validating at once; more are answered 429
   * @param clock for the future-time check and the timestamps written
   */
  public BlockUploadService(Bucket bucket, Function<String, BlockUploadLimits> limitsByTenant, Path scratchDir,
      int maxConcurrentValidations, Clock clock) {
    this(bucket, limitsByTenant, scratchDir, maxConcurrentValidations, clock,
        new BlockUploadMetrics(new PrometheusRegistry()));
  }

  /**
   * As {@link #BlockUploadService(Bucket, Function, Path, int, Clock)}, counting into {@code metrics}, the
   * process's.
   */
  public BlockUploadService(Bucket bucket, Function<String, BlockUploadLimits> limitsByTenant, Path scratchDir,
      int maxConcurrentValidations, Clock clock, BlockUploadMetrics metrics) {
    if (maxConcurrentValidations < 1) {
      throw new IllegalArgumentException("maxConcurrentValidations must be >= 1, got " + maxConcurrentValidations);
    }
    this.bucket = bucket;
    this.limitsByTenant = limitsByTenant;
    this.scratchDir = scratchDir;
    this.maxConcurrentValidations = maxConcurrentValidations;
    this.validations = new Semaphore(maxConcurrentValidations);
    this.clock = clock;
    this.metrics = metrics;
  }

  BlockUploadMetrics metrics() {
    return metrics;
  }

  /** The tenant's limits now. */
  public BlockUploadLimits limits(String tenant) {
    return limitsByTenant.apply(tenant);
  }

  /**
   * An upload's state, as Mimir's check answers it.
   *
   * @param result "uploading", "validating", "complete" or "failed"
   * @param error why validation failed, null otherwise
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record UploadState(@JsonProperty("result") String result, @JsonProperty("error") String error) {
    public byte[] toJson() {
      try {
        return Json.MAPPER.writeValueAsBytes(this);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  /**
   * Starts (or restarts) the upload of {@code blockId} with its meta.json. The stored meta.json keeps the time
   * range, stats and compaction level; its ulid, sources, external labels and source are set here.
   *
   * @throws BlockUploadException 400 for an invalid block id, malformed or invalid meta.json (ulid other than the
   *     path's, version not 1, minTime not below maxTime, downsampled, unknown external labels, listed files with
   *     bad paths), maxTime past now plus the grace period, or a validation in progress; 409 when the block exists;
   *     413 when meta.json or the listed files are too large
   */
  public void start(String tenant, String blockId, byte[] metaJson) throws BlockUploadException, IOException {
    counted(() -> {
      BlockUploadLimits limits = limits(tenant);
      String id = checkRequest(limits, blockId);
      if (metaJson.length > MAX_META_BYTES) {
        throw BlockUploadException.of(Reason.META_TOO_LARGE,
            "the block metadata was too large (maximum size allowed is %d bytes)", MAX_META_BYTES);
      }
      State state = state(tenant, id);
      if (state.kind == Kind.COMPLETE) {
        throw blockExists(id);
      }
      if (state.kind == Kind.VALIDATING) {
        throw validationInProgress(id);
      }
      BlockMetaFile meta = sanitize(limits, tenant, id, metaJson);
      bucket.upload(path(tenant, id, UPLOADING_META), meta.toJson());
      bucket.delete(path(tenant, id, VALIDATION));
      metrics.started.labelValues(tenant).inc();
      log.info("block upload started tenant={} block={} minTime={} maxTime={}", tenant, id, meta.minTimeMs(),
          meta.maxTimeMs());
      return null;
    });
  }

  /**
   * Stores one block file, replacing an earlier upload of it. The stream is read to its end, exactly
   * {@code contentLengthBytes} bytes.
   *
   * @param path "index" or "chunks/" and six digits
   * @param contentLengthBytes the body's length, -1 when unknown
   * @throws BlockUploadException 400 for an invalid block id or path (meta.json, anything not index or a chunk
   *     segment), an empty file, a file not listed (or of another size) in meta.json's thanos.files, or a
   *     validation in progress; 404 when the upload was not started; 409 when the block exists; 411 without a
   *     length; 413 over the block size limit
   */
  public void uploadFile(String tenant, String blockId, String path, InputStream content, long contentLengthBytes)
      throws BlockUploadException, IOException {
    counted(() -> {
      BlockUploadLimits limits = limits(tenant);
      String id = checkRequest(limits, blockId);
      checkFilePath(path);
      if (contentLengthBytes < 0) {
        throw BlockUploadException.of(Reason.LENGTH_REQUIRED, "the file's length is required (Content-Length)");
      }
      if (contentLengthBytes == 0) {
        throw BlockUploadException.of(Reason.EMPTY_FILE, "file cannot be empty");
      }
      if (limits.maxBlockSizeBytes() > 0 && contentLengthBytes > limits.maxBlockSizeBytes()) {
        throw blockTooLarge(limits);
      }
      BlockMetaFile uploading = uploadingMeta(tenant, id);
      List<BlockMetaFile.File> declared = uploading.thanos() == null ? null : uploading.thanos().files();
      if (declared != null) {
        BlockMetaFile.File listed = null;
        for (BlockMetaFile.File f : declared) {
          if (path.equals(f.relPath())) {
            listed = f;
          }
        }
        if (listed == null) {
          throw BlockUploadException.of(Reason.UNEXPECTED_FILE, "unexpected file %s: not in meta.json's thanos.files",
              path);
        }
        if (listed.sizeBytes() != contentLengthBytes) {
          throw BlockUploadException.of(Reason.UNEXPECTED_FILE,
              "file size doesn't match meta.json: %s is %d bytes, meta.json says %d", path, contentLengthBytes,
              listed.sizeBytes());
        }
      }
      bucket.upload(path(tenant, id, path), content, contentLengthBytes);
      metrics.receivedBytes.labelValues(tenant).inc(contentLengthBytes);
      log.debug("block file stored tenant={} block={} path={} size={}", tenant, id, path, contentLengthBytes);
      return null;
    });
  }

  /**
   * Validates the uploaded block and, when it passes, makes it visible: meta.json written, bucket index updated.
   *
   * @return the meta.json written
   * @throws BlockUploadException 400 for an invalid block id, a block that fails validation (missing index, a file
   *     meta.json listed missing or of another size, unreadable index, a chunk missing or corrupted, samples out of
   *     range, too many label names in a series) or a validation in progress; 404 when the upload was not started;
   *     409 when the block exists; 413 over the block size limit; 429 when too many validations run
   */
  public BlockMetaFile finish(String tenant, String blockId) throws BlockUploadException, IOException {
    return counted(() -> {
      BlockUploadLimits limits = limits(tenant);
      String id = checkRequest(limits, blockId);
      BlockMetaFile uploading = uploadingMeta(tenant, id);
      String key = tenant + "/" + id;
      if (!validating.add(key)) {
        throw validationInProgress(id);
      }
      try {
        if (!validations.tryAcquire()) {
          throw BlockUploadException.of(Reason.TOO_MANY_VALIDATIONS,
              "too many block upload validations in progress, limit is %d", maxConcurrentValidations);
        }
        try {
          return validateAndComplete(limits, tenant, id, uploading);
        } finally {
          validations.release();
        }
      } finally {
        validating.remove(key);
      }
    });
  }

  /**
   * The upload's state.
   *
   * @throws BlockUploadException 400 for an invalid block id; 404 when there is no such block or upload
   */
  public UploadState check(String tenant, String blockId) throws BlockUploadException, IOException {
    String id = checkRequest(limits(tenant), blockId);
    State state = state(tenant, id);
    return switch (state.kind) {
      case COMPLETE -> new UploadState("complete", null);
      case NOT_STARTED -> throw BlockUploadException.of(Reason.NOT_STARTED, "block %s doesn't exist", id);
      case UPLOADING -> new UploadState("uploading", null);
      case VALIDATING -> new UploadState("validating", null);
      case FAILED -> new UploadState("failed", state.validationError);
    };
  }

  private BlockMetaFile validateAndComplete(BlockUploadLimits limits, String tenant, String id,
      BlockMetaFile uploading)
      throws BlockUploadException, IOException {
    writeValidation(tenant, id, "");
    Path work = null;
    try {
      Files.createDirectories(scratchDir);
      work = Files.createTempDirectory(scratchDir, "block-upload-");
      BlockMetaFile meta = validate(limits, tenant, id, uploading, work.resolve(id));
      bucket.upload(path(tenant, id, BlockMetaFile.FILENAME), meta.toJson());
      bucket.delete(path(tenant, id, UPLOADING_META));
      bucket.delete(path(tenant, id, VALIDATION));
      metrics.finished.labelValues(tenant).inc();
      log.info("block upload finished tenant={} block={} series={} chunks={} samples={}", tenant, id,
          meta.stats().numSeries(), meta.stats().numChunks(), meta.stats().numSamples());
      try {
        BucketIndexUpdater.update(bucket, tenant, clock);
      } catch (IOException e) {
        // The block is complete; the next index update (compactor) lists it.
        log.warn("bucket index update after block upload failed tenant={} block={} err=\"{}\"", tenant, id,
            e.getMessage());
      }
      return meta;
    } catch (BlockUploadException e) {
      log.info("block upload validation failed tenant={} block={} err=\"{}\"", tenant, id, e.getMessage());
      writeValidation(tenant, id, e.getMessage());
      throw e;
    } catch (IOException | RuntimeException e) {
      try {
        bucket.delete(path(tenant, id, VALIDATION));
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    } finally {
      if (work != null) {
        try {
          Directories.deleteRecursively(work);
        } catch (IOException e) {
          log.warn("cannot delete scratch directory {} err=\"{}\"", work, e.getMessage());
        }
      }
    }
  }

  /** Downloads the block into {@code blockDir}, reads it whole, and returns the meta.json to write. */
  private BlockMetaFile validate(BlockUploadLimits limits, String tenant, String id, BlockMetaFile uploading,
      Path blockDir)
      throws BlockUploadException, IOException {
    String prefix = tenant + "/" + id + "/";
    TreeMap<String, Long> sizes = new TreeMap<>();
    long totalBytes = 0;
    for (String name : bucket.list(prefix, true)) {
      String relPath = name.substring(prefix.length());
      if (FILE_PATH.matcher(relPath).matches()) {
        long size = bucket.attributes(name).sizeBytes();
        sizes.put(relPath, size);
        totalBytes += size;
      }
    }
    if (!sizes.containsKey("index")) {
      throw invalidBlock("missing index file");
    }
    if (limits.maxBlockSizeBytes() > 0 && totalBytes > limits.maxBlockSizeBytes()) {
      throw blockTooLarge(limits);
    }
    if (uploading.thanos() != null && uploading.thanos().files() != null) {
      for (BlockMetaFile.File f : uploading.thanos().files()) {
        Long size = sizes.get(f.relPath());
        if (size == null) {
          throw invalidBlock("missing file " + f.relPath() + " listed in meta.json");
        }
        if (size != f.sizeBytes()) {
          throw invalidBlock("file size mismatch for " + f.relPath());
        }
      }
    }
    for (String relPath : sizes.keySet()) {
      Path target = blockDir.resolve(relPath);
      Files.createDirectories(target.getParent());
      try (InputStream in = bucket.get(prefix + relPath)) {
        Files.copy(in, target);
      }
    }

    BlockReader.BlockStats stats;
    try {
      BlockReader reader = BlockReader.open(id, BlockFiles.directory(blockDir));
      stats = reader.validate(uploading.minTimeMs(), uploading.maxTimeMs());
      int maxLabelNames = limits.maxLabelNamesPerSeries();
      // No series has more label names than the block has: read series only when that could be too many.
      if (maxLabelNames > 0 && reader.labelNames(List.of()).size() > maxLabelNames) {
        checkLabelNames(maxLabelNames, reader.select(Long.MIN_VALUE, Long.MAX_VALUE, List.of(ALL_SERIES)));
      }
    } catch (BlockValidationException e) {
      throw invalidBlock("error validating block: " + withoutDir(e.getMessage(), blockDir));
    } catch (IOException | RuntimeException e) {
      // The files are local copies: what fails to read here is the uploaded bytes' fault.
      throw invalidBlock("error reading block: " + describe(e, blockDir));
    }

    List<BlockMetaFile.File> files = new ArrayList<>(sizes.size());
    sizes.forEach((relPath, size) -> files.add(new BlockMetaFile.File(relPath, size)));
    files.add(new BlockMetaFile.File(BlockMetaFile.FILENAME, 0));
    return new BlockMetaFile(id, uploading.minTimeMs(), uploading.maxTimeMs(),
        new BlockMetaFile.Stats(stats.numSamples(), stats.numSeries(), stats.numChunks()),
        new BlockMetaFile.Compaction(uploading.compactionLevel(), List.of(id)), BlockMetaFile.VERSION_1,
        new BlockMetaFile.Thanos(Map.of(TENANT_LABEL, tenant), new BlockMetaFile.Downsample(0), SOURCE_UPLOAD,
            files));
  }

  private static void checkLabelNames(int max, List<EncodedSeries> series) throws BlockUploadException {
    for (EncodedSeries s : series) {
      if (s.labels().size() > max) {
        throw BlockUploadException.of(Reason.MAX_LABEL_NAMES_PER_SERIES,
            "series %s has %d label names, more than the limit of %d", s.labels(), s.labels().size(), max);
      }
    }
  }

  /** Parses and checks an uploaded meta.json and returns the one to store as uploading-meta.json. */
  private BlockMetaFile sanitize(BlockUploadLimits limits, String tenant, String id, byte[] metaJson)
      throws BlockUploadException {
    BlockMetaFile meta;
    try {
      meta = BlockMetaFile.parse(metaJson);
    } catch (IllegalArgumentException e) {
      throw invalidMeta("malformed request body: " + e.getMessage());
    }
    if (!meta.ulid().equalsIgnoreCase(id)) {
      throw invalidMeta(String.format(Locale.ROOT, "meta.json ulid %s does not match the block ID %s", meta.ulid(),
          id));
    }
    if (meta.version() != BlockMetaFile.VERSION_1) {
      throw invalidMeta("version must be " + BlockMetaFile.VERSION_1 + ", got " + meta.version());
    }
    if (meta.thanos() != null && meta.thanos().downsample() != null
        && meta.thanos().downsample().resolutionMs() > 0) {
      throw invalidMeta("block contains downsampled data");
    }
    for (String label : meta.externalLabels().keySet()) {
      if (!DROPPED_LABELS.contains(label)) {
        throw invalidMeta("unsupported external label: " + label);
      }
    }
    if (meta.minTimeMs() < 0 || meta.maxTimeMs() < 0 || meta.minTimeMs() >= meta.maxTimeMs()) {
      throw invalidMeta(String.format(Locale.ROOT, "invalid minTime/maxTime: minTime=%d, maxTime=%d",
          meta.minTimeMs(), meta.maxTimeMs()));
    }
    long nowMs = clock.millis();
    if (meta.maxTimeMs() > nowMs + limits.creationGracePeriod().toMillis()) {
      throw BlockUploadException.of(Reason.TOO_FAR_IN_FUTURE,
          "block time(s) greater than the present: minTime=%d, maxTime=%d, now=%d, grace period %s",
          meta.minTimeMs(), meta.maxTimeMs(), nowMs, limits.creationGracePeriod());
    }
    List<BlockMetaFile.File> files = null;
    if (meta.thanos() != null && meta.thanos().files() != null) {
      files = new ArrayList<>();
      long totalBytes = 0;
      for (BlockMetaFile.File f : meta.thanos().files()) {
        if (BlockMetaFile.FILENAME.equals(f.relPath())) {
          continue;
        }
        if (f.relPath() == null || !FILE_PATH.matcher(f.relPath()).matches()) {
          throw invalidMeta("file with invalid path: " + f.relPath());
        }
        if (f.sizeBytes() <= 0) {
          throw invalidMeta("file with invalid size: " + f.relPath());
        }
        totalBytes += f.sizeBytes();
        files.add(f);
      }
      if (limits.maxBlockSizeBytes() > 0 && totalBytes > limits.maxBlockSizeBytes()) {
        throw blockTooLarge(limits);
      }
    }
    return new BlockMetaFile(id, meta.minTimeMs(), meta.maxTimeMs(), meta.stats(),
        new BlockMetaFile.Compaction(meta.compactionLevel(), List.of(id)), BlockMetaFile.VERSION_1,
        new BlockMetaFile.Thanos(Map.of(TENANT_LABEL, tenant), new BlockMetaFile.Downsample(0), SOURCE_UPLOAD,
            files));
  }

  /** Checks that the tenant may upload, and the block id; returns the id in canonical (upper) case. */
  private static String checkRequest(BlockUploadLimits limits, String blockId) throws BlockUploadException {
    if (!limits.enabled()) {
      throw BlockUploadException.of(Reason.DISABLED, "block upload is disabled");
    }
    if (!Ulid.isValid(blockId)) {
      throw BlockUploadException.of(Reason.INVALID_BLOCK_ID, "invalid block ID %s: not a ULID", quote(blockId));
    }
    return blockId.toUpperCase(Locale.ROOT);
  }

  private static void checkFilePath(String path) throws BlockUploadException {
    if (path == null || path.isEmpty()) {
      throw BlockUploadException.of(Reason.INVALID_FILE_PATH, "missing or invalid file path");
    }
    if (path.equals(BlockMetaFile.FILENAME) || path.endsWith("/" + BlockMetaFile.FILENAME)) {
      throw BlockUploadException.of(Reason.INVALID_FILE_PATH, "%s is not allowed", BlockMetaFile.FILENAME);
    }
    if (!FILE_PATH.matcher(path).matches()) {
      throw BlockUploadException.of(Reason.INVALID_FILE_PATH,
          "invalid path: %s: only index and chunks/NNNNNN (6 digits) are accepted", quote(path));
    }
  }

  private enum Kind { NOT_STARTED, UPLOADING, VALIDATING, FAILED, COMPLETE }

  private record State(Kind kind, BlockMetaFile uploadingMeta, String validationError) {}

  @JsonIgnoreProperties(ignoreUnknown = true)
  record ValidationFile(@JsonProperty("LastUpdate") long lastUpdateMs, @JsonProperty("Error") String error) {}

  /**
   * The meta.json of an upload that may take files or be finished: started, and neither complete nor validating.
   *
   * @throws BlockUploadException 404 when the upload was not started; 409 when the block exists; 400 while it is
   *     validated
   */
  private BlockMetaFile uploadingMeta(String tenant, String id) throws BlockUploadException, IOException {
    State state = state(tenant, id);
    return switch (state.kind) {
      case COMPLETE -> throw blockExists(id);
      case NOT_STARTED -> throw notStarted(id);
      case VALIDATING -> throw validationInProgress(id);
      case UPLOADING, FAILED -> state.uploadingMeta;
    };
  }

  /** The upload's state, from the bucket (as Mimir's getBlockUploadState) and this process's validations. */
  private State state(String tenant, String id) throws IOException {
    if (bucket.exists(path(tenant, id, BlockMetaFile.FILENAME))) {
      return new State(Kind.COMPLETE, null, null);
    }
    byte[] uploadingJson = readOrNull(path(tenant, id, UPLOADING_META));
    if (uploadingJson == null) {
      return new State(Kind.NOT_STARTED, null, null);
    }
    BlockMetaFile uploading;
    try {
      uploading = BlockMetaFile.parse(uploadingJson);
    } catch (IllegalArgumentException e) {
      throw new IOException("corrupted " + path(tenant, id, UPLOADING_META) + ": " + e.getMessage(), e);
    }
    if (validating.contains(tenant + "/" + id)) {
      return new State(Kind.VALIDATING, uploading, null);
    }
    byte[] validationJson = readOrNull(path(tenant, id, VALIDATION));
    if (validationJson == null) {
      return new State(Kind.UPLOADING, uploading, null);
    }
    ValidationFile validation;
    try {
      validation = Json.MAPPER.readValue(validationJson, ValidationFile.class);
    } catch (IOException e) {
      log.warn("ignoring corrupted {} err=\"{}\"", path(tenant, id, VALIDATION), e.getMessage());
      return new State(Kind.UPLOADING, uploading, null);
    }
    if (validation.error() != null && !validation.error().isEmpty()) {
      return new State(Kind.FAILED, uploading, validation.error());
    }
    if (clock.millis() - validation.lastUpdateMs() < VALIDATION_HEARTBEAT_TIMEOUT.toMillis()) {
      // Another process is validating it.
      return new State(Kind.VALIDATING, uploading, null);
    }
    return new State(Kind.UPLOADING, uploading, null);
  }

  private void writeValidation(String tenant, String id, String error) throws IOException {
    bucket.upload(path(tenant, id, VALIDATION),
        Json.MAPPER.writeValueAsBytes(new ValidationFile(clock.millis(), error)));
  }

  private byte[] readOrNull(String name) throws IOException {
    try (InputStream in = bucket.get(name)) {
      return in.readAllBytes();
    } catch (NoSuchObjectException e) {
      return null;
    }
  }

  private static String path(String tenant, String id, String file) {
    return tenant + "/" + id + "/" + file;
  }

  private static BlockUploadException blockExists(String id) {
    return BlockUploadException.of(Reason.BLOCK_EXISTS, "block %s already exists", id);
  }

  private static BlockUploadException notStarted(String id) {
    return BlockUploadException.of(Reason.NOT_STARTED, "block upload not started for block %s", id);
  }

  private static BlockUploadException validationInProgress(String id) {
    return BlockUploadException.of(Reason.VALIDATION_IN_PROGRESS, "block validation in progress for block %s", id);
  }

  private static BlockUploadException blockTooLarge(BlockUploadLimits limits) {
    return BlockUploadException.of(Reason.BLOCK_TOO_LARGE, "block exceeds the maximum block size limit of %d bytes"
        + " (-compactor.block-upload-max-block-size-bytes, or the tenant's compactor_block_upload_max_block_size_bytes)",
        limits.maxBlockSizeBytes());
  }

  private static BlockUploadException invalidMeta(String detail) {
    return new BlockUploadException(Reason.INVALID_META, detail);
  }

  private static BlockUploadException invalidBlock(String detail) {
    return new BlockUploadException(Reason.INVALID_BLOCK, detail);
  }

  private static String quote(String s) {
    if (s == null) {
      return "\"\"";
    }
    StringBuilder sb = new StringBuilder("\"");
    for (int i = 0; i < s.length() && i < 200; i++) {
      char c = s.charAt(i);
      if (c < 0x20 || c == '"' || c == '\\') {
        sb.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
      } else {
        sb.append(c);
      }
    }
    return sb.append(s.length() > 200 ? "...\"" : "\"").toString();
  }

  private interface Operation<T> {
    T run() throws BlockUploadException, IOException;
  }

  /** Runs an operation, counting its failure by reason. */
  private <T> T counted(Operation<T> operation) throws BlockUploadException, IOException {
    try {
      return operation.run();
    } catch (BlockUploadException e) {
      metrics.failed.labelValues(e.reason().metricLabel()).inc();
      throw e;
    } catch (IOException | RuntimeException e) {
      metrics.failed.labelValues(BlockUploadMetrics.REASON_SERVER_ERROR).inc();
      throw e;
    }
  }

  /** The exception's message without the scratch directory's path, which means nothing to the client. */
  private static String describe(Exception e, Path blockDir) {
    String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    if (e instanceof java.nio.file.NoSuchFileException) {
      message = "missing file " + message;
    }
    return withoutDir(message, blockDir);
  }

  private static String withoutDir(String message, Path blockDir) {
    return message == null ? "" : message.replace(blockDir + java.io.File.separator, "")
        .replace(blockDir.toString(), "");
  }
}
