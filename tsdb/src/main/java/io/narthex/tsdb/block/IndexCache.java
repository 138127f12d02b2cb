package io.narthex.tsdb.block;

/**
 * Caches fetched index and chunk bytes, as Mimir's store-gateway index cache; the store-gateway backs it with
 * Caffeine. Keys are opaque strings built by {@link BlockReader} and include the block ULID; values are never
 * changed after {@link #put}. Implementations are thread-safe.
 */
public interface IndexCache {
  /** What a cached value holds: a postings list, a series entry, or a chunk's XOR bytes. */
  enum Kind {
    POSTINGS,
    SERIES,
    CHUNKS
  }

  /** The cached value, or null when absent. */
  byte[] get(Kind kind, String key);

  void put(Kind kind, String key, byte[] value);

  /** Caches nothing. */
  IndexCache NONE = new IndexCache() {
    @Override
    public byte[] get(Kind kind, String key) {
      return null;
    }

    @Override
    public void put(Kind kind, String key, byte[] value) {}

    @Override
    public String toString() {
      return "IndexCache.NONE";
    }
  };
}
