package io.narthex.blocks;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.narthex.objstore.Bucket;
import io.narthex.objstore.NoSuchObjectException;
import io.narthex.common.Ulid;
import io.narthex.tsdb.labels.Matcher;
import io.narthex.tsdb.storage.Tombstone;
import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/**
 * A tenant's deletion requests ({@code delete_series}) in the bucket, one object each:
 * {@code <tenant>/tombstones/<ULID>.json} holding
 * {@code {"id", "matchers": [{"type": "=", "name", "value"}], "start_ms", "end_ms", "created_at"}} (times in ms,
 * created_at in Unix seconds). Queriers hide the matching samples at once; the compactor removes them from blocks.
 */
public final class TombstoneStore {
  static final String DIR = "tombstones";

  private TombstoneStore() {}

  /** One stored request, with when it was made. */
  public record Entry(String id, Tombstone tombstone, long createdAtSeconds) {}

  record MatcherJson(@JsonProperty("type") String type, @JsonProperty("name") String name,
      @JsonProperty("value") String value) {}

  record TombstoneJson(@JsonProperty("id") String id, @JsonProperty("matchers") List<MatcherJson> matchers,
      @JsonProperty("start_ms") long startMs, @JsonProperty("end_ms") long endMs,
      @JsonProperty("created_at") long createdAtSeconds) {}

  /**
   * Stores a deletion request.
   *
   * @return its entry
   * @throws IOException when the bucket fails
   */
  public static Entry write(Bucket bucket, String tenant, Tombstone tombstone, Clock clock) throws IOException {
    String id = Ulid.generate();
    List<MatcherJson> matchers = new ArrayList<>();
    for (Matcher matcher : tombstone.matchers()) {
      matchers.add(new MatcherJson(matcher.type().symbol(), matcher.name(), matcher.value()));
    }
    long createdAtSeconds = clock.millis() / 1000;
    byte[] json = Json.MAPPER.writeValueAsBytes(new TombstoneJson(id, matchers, tombstone.minTimeMs(),
        tombstone.maxTimeMs(), createdAtSeconds));
    bucket.upload(tenant + "/" + DIR + "/" + id + ".json", json);
    return new Entry(id, tombstone, createdAtSeconds);
  }

  /**
   * Every deletion request of the tenant, oldest first; unreadable objects are skipped (logged by the caller's
   * metrics), never guessed at.
   *
   * @throws IOException when the bucket cannot be listed
   */
  public static List<Entry> list(Bucket bucket, String tenant) throws IOException {
    List<Entry> out = new ArrayList<>();
    for (String name : bucket.list(tenant + "/" + DIR + "/")) {
      if (!name.endsWith(".json")) {
        continue;
      }
      TombstoneJson json;
      try (InputStream in = bucket.get(name)) {
        json = Json.MAPPER.readValue(in, TombstoneJson.class);
      } catch (NoSuchObjectException gone) {
        continue;
      } catch (IOException | RuntimeException corrupt) {
        org.slf4j.LoggerFactory.getLogger(TombstoneStore.class)
            .warn("skipping unreadable tombstone object={} err=\"{}\"", name, corrupt.toString());
        continue;
      }
      List<Matcher> matchers = new ArrayList<>();
      for (MatcherJson matcher : json.matchers()) {
        matchers.add(Matcher.of(type(matcher.type()), matcher.name(), matcher.value()));
      }
      out.add(new Entry(json.id(), new Tombstone(matchers, json.startMs(), json.endMs()), json.createdAtSeconds()));
    }
    return out;
  }

  private static Matcher.Type type(String symbol) {
    for (Matcher.Type type : Matcher.Type.values()) {
      if (type.symbol().equals(symbol)) {
        return type;
      }
    }
    throw new IllegalArgumentException("unknown matcher type " + symbol);
  }
}
