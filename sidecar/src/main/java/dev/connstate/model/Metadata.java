package dev.connstate.model;

import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * The metadata of one connection: its keys in a sorted array (their
 * {@link Names#canonical shared instances}), its values packed into one byte array behind their
 * lengths, each as ISO-8859-1 when every character fits in a byte (nearly always), else as
 * UTF-16 code units: about 130 bytes for a typical connection where a string per value took
 * three times that, and iteration in key order (the order replies show). A packed value is a new
 * string each time it is read; reads are rare next to the connections held, and a change of one
 * connection's metadata rewrites its array (about a hundred bytes). Values longer than
 * {@link #PACKED_MAX_CHARS} stay strings of their own, so that neither a read nor a change of
 * another key copies them. The old array is never written, so a {@link #copy} shares it. Not
 * thread-safe: one shard owns it. Removal through the iterators is not supported.
 */
final class Metadata extends AbstractMap<String, String> {
  private static final String[] NO_KEYS = new String[0];
  private static final byte[] NO_DATA = new byte[0];
  /** Set in a value's length when it is held as UTF-16 code units, two bytes each. */
  private static final int WIDE = 1;
  /** Set in a value's entry when the value is a string of its own, in {@link #large}, not in the data. */
  private static final int LARGE = 2;
  private static final int SHIFT = 2;
  /**
   * Values longer than this many characters stay strings of their own: reading one then copies
   * nothing (a reply of a connection with large values would copy them all each time), and
   * their headers are small next to them.
   */
  private static final int PACKED_MAX_CHARS = 64;

  private String[] keys;
  /**
   * Per value, in key order, a varint: its length in bytes, shifted left {@link #SHIFT}, with
   * {@link #WIDE} and {@link #LARGE}; then the values' bytes, one after another.
   */
  private byte[] data = NO_DATA;
  /** Parallel to {@link #keys}: the values held as strings ({@link #LARGE}), else null; null while there are none. */
  private String[] large;
  private int size;

  Metadata(int capacity) {
    keys = capacity == 0 ? NO_KEYS : new String[capacity];
  }

  Metadata copy() {
    Metadata c = new Metadata(0);
    c.keys = Arrays.copyOf(keys, size);
    c.data = data;
    c.large = large == null ? null : Arrays.copyOf(large, size);
    c.size = size;
    return c;
  }

  private int index(Object key) {
    return key instanceof String s ? Arrays.binarySearch(keys, 0, size, s) : -1;
  }

  /** Per value, its start in the data and its varint (length, {@link #WIDE}, {@link #LARGE}): two ints each. */
  private int[] spans() {
    int[] spans = new int[2 * size];
    int pos = 0;
    for (int i = 0; i < size; i++) {
      int v = 0;
      int shift = 0;
      byte b;
      do {
        b = data[pos++];
        v |= (b & 0x7F) << shift;
        shift += 7;
      } while (b < 0);
      spans[2 * i + 1] = v;
    }
    for (int i = 0; i < size; i++) {
      spans[2 * i] = pos;
      pos += spans[2 * i + 1] >>> SHIFT;
    }
    return spans;
  }

  private String value(int[] spans, int i) {
    if ((spans[2 * i + 1] & LARGE) != 0) {
      return large[i];
    }
    int from = spans[2 * i];
    int length = spans[2 * i + 1] >>> SHIFT;
    if ((spans[2 * i + 1] & WIDE) == 0) {
      return new String(data, from, length, java.nio.charset.StandardCharsets.ISO_8859_1);
    }
    char[] chars = new char[length / 2];
    for (int c = 0; c < chars.length; c++) {
      chars[c] = (char) ((data[from + 2 * c] & 0xFF) << 8 | data[from + 2 * c + 1] & 0xFF);
    }
    return new String(chars);
  }

  /** True if every character of {@code value} fits in one ISO-8859-1 byte. */
  private static boolean narrow(String value) {
    for (int i = 0; i < value.length(); i++) {
      if (value.charAt(i) > 0xFF) {
        return false;
      }
    }
    return true;
  }

  private static int varintLength(int v) {
    int bytes = 1;
    while ((v >>>= 7) != 0) {
      bytes++;
    }
    return bytes;
  }

  /**
   * Makes the data anew: value {@code i} becomes {@code value} ({@code inserted}: a new value
   * goes in at {@code i}, the rest move up), or, {@code value} null, value {@code i} goes.
   */
  private void rebuild(int i, String value, boolean inserted) {
    int[] old = spans();
    boolean removed = value == null;
    int count = size + (inserted ? 1 : removed ? -1 : 0);
    boolean narrow = removed || narrow(value);
    int fresh = removed ? 0 : value.length() > PACKED_MAX_CHARS ? LARGE
        : (narrow ? value.length() : 2 * value.length()) << SHIFT | (narrow ? 0 : WIDE);
    int header = 0;
    int bytes = 0;
    for (int j = 0; j < count; j++) {
      int from = source(j, i, inserted, removed);
      int v = from < 0 ? fresh : old[2 * from + 1];
      header += varintLength(v);
      bytes += v >>> SHIFT;
    }
    byte[] next = new byte[header + bytes];
    int h = 0;
    int pos = header;
    for (int j = 0; j < count; j++) {
      int from = source(j, i, inserted, removed);
      int v = from < 0 ? fresh : old[2 * from + 1];
      if (from < 0) {
        if ((v & LARGE) == 0) {
          writeValue(next, pos, value, narrow);
        }
      } else {
        System.arraycopy(data, old[2 * from], next, pos, v >>> SHIFT);
      }
      pos += v >>> SHIFT;
      for (int w = v; ; w >>>= 7) {
        if ((w & ~0x7F) == 0) {
          next[h++] = (byte) w;
          break;
        }
        next[h++] = (byte) (w & 0x7F | 0x80);
      }
    }
    data = next;
  }

  /** Which old value the new value {@code j} is (-1: the one being put), for {@link #rebuild}. */
  private static int source(int j, int i, boolean inserted, boolean removed) {
    if (inserted) {
      return j < i ? j : j == i ? -1 : j - 1;
    }
    if (removed) {
      return j < i ? j : j + 1;
    }
    return j == i ? -1 : j;
  }

  private static void writeValue(byte[] into, int at, String value, boolean narrow) {
    if (narrow) {
      for (int c = 0; c < value.length(); c++) {
        into[at + c] = (byte) value.charAt(c);
      }
    } else {
      for (int c = 0; c < value.length(); c++) {
        char ch = value.charAt(c);
        into[at + 2 * c] = (byte) (ch >>> 8);
        into[at + 2 * c + 1] = (byte) ch;
      }
    }
  }

  @Override
  public int size() {
    return size;
  }

  @Override
  public boolean containsKey(Object key) {
    return index(key) >= 0;
  }

  @Override
  public String get(Object key) {
    int i = index(key);
    return i >= 0 ? value(spans(), i) : null;
  }

  @Override
  public String put(String key, String value) {
    int i = Arrays.binarySearch(keys, 0, size, key);
    boolean own = value.length() > PACKED_MAX_CHARS;
    if (own && large == null) {
      large = new String[keys.length];
    }
    if (i >= 0) {
      String old = value(spans(), i);
      rebuild(i, value, false);
      if (large != null) {
        large[i] = own ? value : null;
      }
      return old;
    }
    int at = -i - 1;
    if (size == keys.length) {
      keys = Arrays.copyOf(keys, size + Math.max(2, size / 2));
      if (large != null) {
        large = Arrays.copyOf(large, keys.length);
      }
    }
    rebuild(at, value, true);
    System.arraycopy(keys, at, keys, at + 1, size - at);
    keys[at] = Names.canonical(key);
    if (large != null) {
      System.arraycopy(large, at, large, at + 1, size - at);
      large[at] = own ? value : null;
    }
    size++;
    return null;
  }

  @Override
  public String remove(Object key) {
    int i = index(key);
    if (i < 0) {
      return null;
    }
    String old = value(spans(), i);
    rebuild(i, null, false);
    System.arraycopy(keys, i + 1, keys, i, size - i - 1);
    if (large != null) {
      System.arraycopy(large, i + 1, large, i, size - i - 1);
      large[size - 1] = null;
    }
    size--;
    keys[size] = null;
    return old;
  }

  @Override
  public void clear() {
    Arrays.fill(keys, 0, size, null);
    large = null;
    data = NO_DATA;
    size = 0;
  }

  /** UTF-8 bytes of every key and value, counted without making the values. */
  long utf8Bytes() {
    int[] spans = spans();
    long bytes = 0;
    for (int i = 0; i < size; i++) {
      bytes += utf8Length(keys[i]);
      int from = spans[2 * i];
      int to = from + (spans[2 * i + 1] >>> SHIFT);
      if ((spans[2 * i + 1] & LARGE) != 0) {
        bytes += utf8Length(large[i]);
      } else if ((spans[2 * i + 1] & WIDE) == 0) {
        for (int b = from; b < to; b++) {
          bytes += data[b] < 0 ? 2 : 1;
        }
      } else {
        bytes += utf8Length(value(spans, i));
      }
    }
    return bytes;
  }

  /** Characters of every key and value. */
  long chars() {
    int[] spans = spans();
    long chars = 0;
    for (int i = 0; i < size; i++) {
      int length = spans[2 * i + 1] >>> SHIFT;
      chars += keys[i].length() + ((spans[2 * i + 1] & LARGE) != 0 ? large[i].length()
          : (spans[2 * i + 1] & WIDE) == 0 ? length : length / 2);
    }
    return chars;
  }

  /** The UTF-8 length of {@code s}, without encoding it (an unpaired surrogate counts 3 bytes). */
  static int utf8Length(String s) {
    int bytes = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x80) {
        bytes++;
      } else if (c < 0x800) {
        bytes += 2;
      } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
        bytes += 4;
        i++;
      } else {
        bytes += 3;
      }
    }
    return bytes;
  }

  @Override
  public void forEach(BiConsumer<? super String, ? super String> action) {
    int[] spans = spans();
    for (int i = 0; i < size; i++) {
      action.accept(keys[i], value(spans, i));
    }
  }

  @Override
  public Set<Map.Entry<String, String>> entrySet() {
    return new AbstractSet<>() {
      @Override
      public int size() {
        return size;
      }

      @Override
      public Iterator<Map.Entry<String, String>> iterator() {
        return new Iterator<>() {
          private final int[] spans = spans();
          private int next;

          @Override
          public boolean hasNext() {
            return next < size;
          }

          @Override
          public Map.Entry<String, String> next() {
            if (next >= size) {
              throw new NoSuchElementException();
            }
            Map.Entry<String, String> entry = new SimpleImmutableEntry<>(keys[next], value(spans, next));
            next++;
            return entry;
          }
        };
      }
    };
  }
}
