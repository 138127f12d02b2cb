package io.narthex.tsdb.head;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.ref.Cleaner;
import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Where a {@link Head} keeps its closed chunks: off the Java heap, in append-only pages of native memory, in the
 * role Prometheus gives its memory-mapped head chunk files ({@code tsdb/chunks/head_chunks.go}), without the files.
 * A chunk is addressed by a {@code long} ref packing its page id (23 bits), byte offset in the page (20 bits) and
 * byte length (21 bits).
 *
 * <p>Pages grow from {@value #MIN_PAGE_BYTES} bytes, doubling with the space, to {@value #MAX_PAGE_BYTES}; a chunk
 * larger than that gets a page of its own. Each page counts its live chunks: when {@link #release} drops the last
 * one (head truncation), the page is freed at once ({@link Arena#close()}), or kept for reuse while fewer than
 * {@value #MAX_EMPTY_PAGES} full-size pages are empty. Pages of a space that is dropped without truncation (a head
 * replaced by a snapshot) are freed when the garbage collector finds it unreachable.
 *
 * <p>Memory safety: a freed page's arena is closed, so a stray read throws {@link IllegalStateException} instead of
 * reading freed memory. Readers never keep a page: the head copies chunk bytes out while holding the series' lock,
 * and a chunk is released only under that same lock, so a page is never freed or reused under a reader.
 *
 * <p>Thread-safe: allocation and release lock the space; {@link #copy} reads a page without locking, which is
 * safe because the ref was published under the series' lock after the bytes were written.
 */
public final class HeadChunkSpace {
  static final int MIN_PAGE_BYTES = 16 * 1024;
  static final int MAX_PAGE_BYTES = 1 << 20;
  /** Empty full-size pages kept for reuse rather than freed, so a truncation followed by new chunks churns less. */
  static final int MAX_EMPTY_PAGES = 4;
  static final int MAX_CHUNK_BYTES = (1 << 21) - 1;
  private static final int OFFSET_BITS = 20;
  private static final int LENGTH_BITS = 21;
  private static final int MAX_PAGES = 1 << 23;

  /** Bytes of native memory held by every space of the process, until freed. */
  private static final AtomicLong PROCESS_BYTES = new AtomicLong();
  private static final Cleaner CLEANER = Cleaner.create();

  // Grown under this; read without the lock (see class comment).
  private volatile Page[] pages = new Page[16];
  // Guarded by this.
  private final ArrayDeque<Integer> freeIds = new ArrayDeque<>();
  private final ArrayDeque<Page> emptyPages = new ArrayDeque<>();
  private int nextId;
  private Page current;
  private long allocatedBytes;
  private long liveBytes;
  private int liveChunks;

  /**
   * Bytes of native memory the head chunk pages of the whole process hold, until freed; exported as
   * {@code narthex_ingester_head_chunks_off_heap_bytes}.
   */
  public static long processBytes() {
    return PROCESS_BYTES.get();
  }

  /**
   * Reserves {@code lengthBytes} for a chunk and returns its ref; write the bytes with {@link #segment} and
   * {@link #offset} before publishing the ref to readers.
   *
   * @throws IllegalArgumentException when {@code lengthBytes} is under 1 or over {@value #MAX_CHUNK_BYTES}
   */
  public synchronized long allocate(int lengthBytes) {
    if (lengthBytes < 1 || lengthBytes > MAX_CHUNK_BYTES) {
      throw new IllegalArgumentException("chunk of " + lengthBytes + " bytes, outside 1.." + MAX_CHUNK_BYTES);
    }
    Page page = current;
    if (page == null || page.used + lengthBytes > page.sizeBytes) {
      Page previous = page;
      page = newPage(lengthBytes);
      if (lengthBytes <= MAX_PAGE_BYTES) {
        current = page;
        if (previous != null && previous.liveChunks == 0) {
          retire(previous);
        }
      }
    }
    int offset = page.used;
    page.used += lengthBytes;
    page.liveChunks++;
    liveChunks++;
    liveBytes += lengthBytes;
    return ((long) page.id << (OFFSET_BITS + LENGTH_BITS)) | ((long) offset << LENGTH_BITS) | lengthBytes;
  }

  /** Copies {@code data[0, length)} into a new chunk and returns its ref. */
  public long write(byte[] data, int length) {
    long ref = allocate(length);
    MemorySegment.copy(data, 0, segment(ref), ValueLayout.JAVA_BYTE, offset(ref), length);
    return ref;
  }

  /** The page holding chunk {@code ref}; the chunk starts at {@link #offset} and is {@link #length} bytes long. */
  public MemorySegment segment(long ref) {
    return pages[pageId(ref)].segment;
  }

  public static long offset(long ref) {
    return (ref >>> LENGTH_BITS) & ((1L << OFFSET_BITS) - 1);
  }

  public static int length(long ref) {
    return (int) (ref & ((1L << LENGTH_BITS) - 1));
  }

  static int pageId(long ref) {
    return (int) (ref >>> (OFFSET_BITS + LENGTH_BITS));
  }

  /** Copies chunk {@code ref} into {@code dst} at {@code dstOffset}. */
  public void copy(long ref, byte[] dst, int dstOffset) {
    MemorySegment.copy(segment(ref), ValueLayout.JAVA_BYTE, offset(ref), dst, dstOffset, length(ref));
  }

  /** A heap copy of chunk {@code ref}. */
  public byte[] copy(long ref) {
    byte[] out = new byte[length(ref)];
    copy(ref, out, 0);
    return out;
  }

  /**
   * Drops chunk {@code ref}; its page is freed or kept for reuse once it holds no live chunk and is no longer being
   * filled. The ref must not be read afterwards.
   *
   * @throws IllegalStateException when the ref's page is gone (released twice)
   */
  public synchronized void release(long ref) {
    int id = pageId(ref);
    Page page = id < pages.length ? pages[id] : null;
    if (page == null || page.liveChunks == 0) {
      throw new IllegalStateException("chunk ref " + Long.toHexString(ref) + " released twice");
    }
    page.liveChunks--;
    liveChunks--;
    liveBytes -= length(ref);
    if (page.liveChunks == 0 && page != current) {
      retire(page);
    }
  }

  /** Bytes of native memory this space holds, live chunks, unused tails and empty pages kept for reuse. */
  public synchronized long allocatedBytes() {
    return allocatedBytes;
  }

  /** Bytes of the live chunks. */
  public synchronized long liveBytes() {
    return liveBytes;
  }

  synchronized int liveChunks() {
    return liveChunks;
  }

  /** Pages holding native memory, the empty ones kept for reuse included. */
  synchronized int pageCount() {
    return nextId - freeIds.size();
  }

  synchronized int emptyPageCount() {
    return emptyPages.size();
  }

  private Page newPage(int lengthBytes) {
    Page reused = lengthBytes <= MAX_PAGE_BYTES ? emptyPages.pollFirst() : null;
    if (reused != null) {
      return reused;
    }
    int sizeBytes = (int) Math.min(MAX_PAGE_BYTES, Math.max(MIN_PAGE_BYTES, Long.highestOneBit(allocatedBytes)));
    sizeBytes = Math.max(sizeBytes, lengthBytes);
    int id;
    if (!freeIds.isEmpty()) {
      id = freeIds.pollFirst();
    } else {
      if (nextId == MAX_PAGES) {
        throw new IllegalStateException("head chunk space is out of page ids (" + MAX_PAGES + " pages)");
      }
      id = nextId++;
      if (id == pages.length) {
        Page[] grown = new Page[pages.length * 2];
        System.arraycopy(pages, 0, grown, 0, pages.length);
        pages = grown;
      }
    }
    Page page = new Page(id, sizeBytes);
    pages[id] = page;
    allocatedBytes += sizeBytes;
    return page;
  }

  /** An empty page no longer filled: kept for reuse when full-size and few are kept, else freed. */
  private void retire(Page page) {
    page.used = 0;
    if (page.sizeBytes == MAX_PAGE_BYTES && emptyPages.size() < MAX_EMPTY_PAGES) {
      emptyPages.addLast(page);
      return;
    }
    pages[page.id] = null;
    freeIds.addLast(page.id);
    allocatedBytes -= page.sizeBytes;
    page.free.clean();
  }

  /** One page of native memory; {@code used} and {@code liveChunks} are guarded by the space. */
  private static final class Page {
    final int id;
    final int sizeBytes;
    final MemorySegment segment;
    final Cleaner.Cleanable free;
    int used;
    int liveChunks;

    Page(int id, int sizeBytes) {
      this.id = id;
      this.sizeBytes = sizeBytes;
      Arena arena = Arena.ofShared();
      this.segment = arena.allocate(sizeBytes);
      PROCESS_BYTES.addAndGet(sizeBytes);
      this.free = CLEANER.register(this, new Free(arena, sizeBytes));
    }
  }

  /** Frees a page's memory, at most once: when retired, or when its space became unreachable. */
  private record Free(Arena arena, long sizeBytes) implements Runnable {
    @Override
    public void run() {
      arena.close();
      PROCESS_BYTES.addAndGet(-sizeBytes);
    }
  }
}
