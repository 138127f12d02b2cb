package io.narthex.objstore;

/** Checks and normalises object names and directory prefixes shared by the backends. */
final class ObjectNames {
  static final String DELIMITER = "/";

  private ObjectNames() {}

  /** Returns {@code name} if it is a valid object name, else throws IllegalArgumentException. */
  static String checkName(String name) {
    if (name == null || name.isEmpty()) {
      throw new IllegalArgumentException("object name must not be empty");
    }
    if (name.startsWith("/") || name.endsWith("/")) {
      throw new IllegalArgumentException("object name must not start or end with '/': " + name);
    }
    for (String segment : name.split("/", -1)) {
      if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
        throw new IllegalArgumentException("object name has an empty, '.' or '..' segment: " + name);
      }
    }
    if (name.indexOf('\0') >= 0 || name.indexOf('\\') >= 0) {
      throw new IllegalArgumentException("object name must not contain NUL or '\\': " + name);
    }
    return name;
  }

  /** "" stays ""; "a" and "a/" become "a/". The directory part must be a valid name. */
  static String dirPrefix(String dir) {
    if (dir == null || dir.isEmpty()) {
      return "";
    }
    String trimmed = dir.endsWith("/") ? dir.substring(0, dir.length() - 1) : dir;
    return checkName(trimmed) + "/";
  }

  static void checkRange(long offsetBytes, long lengthBytes) {
    if (offsetBytes < 0 || lengthBytes < 0) {
      throw new IllegalArgumentException(
          "range offset and length must be >= 0, got offset=" + offsetBytes + " length=" + lengthBytes);
    }
  }
}
