package io.narthex.tsdb.block;

/**
 * Caches fetched index and chunk bytes, as Mimir's store-gateway index cache; the store-gateway backs it with
 * Caffeine. Keys are built by {@link BlockReader} and name the block by its ULID; values are never changed after
 * {@link #put}. Implementations are thread-safe.
 */
public interface IndexCache {
  /** What a cached value holds: a postings list, a series entry, or a chunk's XOR bytes. */
  enum Kind {
    POSTINGS,
    SERIES,
    CHUNKS
  }

  /**
   * Which item of a block a value is: the series entry or chunk at {@code ref}, or the postings list of
   * {@code name="value"}. Its strings are the block's own instances, whose hash codes Java keeps, so a lookup hashes
   * a few fields where a key string built per lookup (ULID, ':' and the ref) was built and hashed character by
   * character: about 5 % of the 24 h dashboard's query profile.
   *
   * @param block the block's ULID
   * @param ref a series or chunk reference; 0 for a postings list
   * @param name the label name of a postings list; null otherwise
   * @param value the label value of a postings list; null otherwise
   */
  record Key(String block, long ref, String name, String value) {
    /** The series entry or chunk at {@code ref} of {@code block}. */
    public static Key of(String block, long ref) {
      return new Key(block, ref, null, null);
    }

    /** The postings list of {@code name="value"} in {@code block}. */
    public static Key postings(String block, String name, String value) {
      return new Key(block, 0, name, value);
    }

    /** Characters of the key's strings, for a cache that weighs its entries. */
    public int chars() {
      return block.length() + (name == null ? 0 : name.length()) + (value == null ? 0 : value.length());
    }
  }

  /** The cached value, or null when absent. */
  byte[] get(Kind kind, Key key);

  void put(Kind kind, Key key, byte[] value);

  /** Caches nothing. */
  IndexCache NONE = new IndexCache() {
    @Override
    public byte[] get(Kind kind, Key key) {
      return null;
    }

    @Override
    public void put(Kind kind, Key key, byte[] value) {}

    @Override
    public String toString() {
      return "IndexCache.NONE";
    }
  };
}
