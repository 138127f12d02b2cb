package io.narthex.tsdb.head;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class HeadChunkSpaceTest {
  private static byte[] chunk(int length, int seed) {
    byte[] data = new byte[length];
    for (int i = 0; i < length; i++) {
      data[i] = (byte) (seed * 31 + i);
    }
    return data;
  }

  @Test
  void readsBackEveryChunkAcrossGrowingPages() {
    HeadChunkSpace space = new HeadChunkSpace();
    List<Long> refs = new ArrayList<>();
    for (int i = 0; i < 3_000; i++) {
      refs.add(space.write(chunk(100 + i % 300, i), 100 + i % 300));
    }

    for (int i = 0; i < refs.size(); i++) {
      assertThat(space.copy(refs.get(i))).as("chunk %d", i).containsExactly(chunk(100 + i % 300, i));
    }
    // 745 kB of chunks in pages of 16, 16, 32, 64, 128, 256 and 512 kB: about twice the data at most.
    assertThat(space.liveBytes()).isEqualTo(refs.stream().mapToLong(HeadChunkSpace::length).sum());
    assertThat(space.allocatedBytes())
        .isBetween(space.liveBytes(), 2 * space.liveBytes() + HeadChunkSpace.MIN_PAGE_BYTES);
    assertThat(space.pageCount()).isEqualTo(7);
  }

  @Test
  void freesAPageOnceTheLastChunkInItIsReleased() {
    HeadChunkSpace space = new HeadChunkSpace();
    long first = space.write(chunk(10_000, 1), 10_000);
    long second = space.write(chunk(10_000, 2), 10_000); // does not fit the first 16 kB page
    MemorySegment firstPage = space.segment(first);
    assertThat(HeadChunkSpace.pageId(second)).isNotEqualTo(HeadChunkSpace.pageId(first));
    long before = space.allocatedBytes();
    long processBefore = HeadChunkSpace.processBytes();

    space.release(first);

    assertThat(firstPage.scope().isAlive()).as("the first page's memory is freed").isFalse();
    assertThat(space.allocatedBytes()).isEqualTo(before - HeadChunkSpace.MIN_PAGE_BYTES);
    assertThat(HeadChunkSpace.processBytes()).isEqualTo(processBefore - HeadChunkSpace.MIN_PAGE_BYTES);
    assertThat(space.copy(second)).containsExactly(chunk(10_000, 2));
    // A read through a stale ref fails instead of reading freed memory.
    assertThatThrownBy(() -> firstPage.get(ValueLayout.JAVA_BYTE, 0)).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> space.release(first)).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void thePageBeingFilledIsKeptWhenItsChunksAreReleased() {
    HeadChunkSpace space = new HeadChunkSpace();
    long ref = space.write(chunk(100, 1), 100);
    MemorySegment page = space.segment(ref);

    space.release(ref);

    assertThat(page.scope().isAlive()).isTrue();
    long next = space.write(chunk(100, 2), 100);
    assertThat(space.segment(next)).isSameAs(page);
    assertThat(space.copy(next)).containsExactly(chunk(100, 2));
  }

  @Test
  void reusesEmptyFullSizePagesAndFreesThoseBeyondTheKeptFew() {
    HeadChunkSpace space = new HeadChunkSpace();
    int chunkBytes = 64 * 1024;
    List<Long> refs = new ArrayList<>();
    // Fill pages up to full size and a dozen full-size ones.
    while (space.allocatedBytes() < 14L * HeadChunkSpace.MAX_PAGE_BYTES) {
      refs.add(space.write(chunk(chunkBytes, refs.size()), chunkBytes));
    }
    int pagesBefore = space.pageCount();

    for (long ref : refs) {
      space.release(ref);
    }

    assertThat(space.liveChunks()).isZero();
    assertThat(space.emptyPageCount()).isEqualTo(HeadChunkSpace.MAX_EMPTY_PAGES);
    // The page being filled and the kept empty ones are all that hold memory.
    assertThat(space.pageCount()).isEqualTo(1 + HeadChunkSpace.MAX_EMPTY_PAGES);
    assertThat(space.allocatedBytes()).isEqualTo((1L + HeadChunkSpace.MAX_EMPTY_PAGES) * HeadChunkSpace.MAX_PAGE_BYTES);
    assertThat(pagesBefore).isGreaterThan(space.pageCount());

    // New chunks go to the page being filled, then to the kept pages, before any new page is allocated.
    List<Long> again = new ArrayList<>();
    int fitting = (1 + HeadChunkSpace.MAX_EMPTY_PAGES) * (HeadChunkSpace.MAX_PAGE_BYTES / chunkBytes) - 16;
    for (int i = 0; i < fitting; i++) {
      again.add(space.write(chunk(chunkBytes, i), chunkBytes));
    }
    assertThat(space.pageCount()).isEqualTo(1 + HeadChunkSpace.MAX_EMPTY_PAGES);
    assertThat(space.emptyPageCount()).isZero();
    for (int i = 0; i < again.size(); i++) {
      assertThat(space.copy(again.get(i))).containsExactly(chunk(chunkBytes, i));
    }
  }

  @Test
  void givesAChunkLargerThanAPageAPageOfItsOwn() {
    HeadChunkSpace space = new HeadChunkSpace();
    long small = space.write(chunk(100, 1), 100);
    int largeBytes = HeadChunkSpace.MAX_PAGE_BYTES + 5;
    long large = space.write(chunk(largeBytes, 2), largeBytes);
    long after = space.write(chunk(100, 3), 100);

    assertThat(HeadChunkSpace.length(large)).isEqualTo(largeBytes);
    assertThat(space.copy(large)).containsExactly(chunk(largeBytes, 2));
    assertThat(HeadChunkSpace.pageId(after)).as("small chunks keep filling their page")
        .isEqualTo(HeadChunkSpace.pageId(small));
    MemorySegment largePage = space.segment(large);
    space.release(large);
    assertThat(largePage.scope().isAlive()).isFalse();
    assertThatThrownBy(() -> space.allocate(HeadChunkSpace.MAX_CHUNK_BYTES + 1))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
