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
 * The metadata of one connection, in two parallel arrays sorted by key: about a hundred bytes
 * for a typical connection where a HashMap takes four hundred, and iteration in key order (the
 * order replies show). Keys are stored as their {@link Names#canonical shared instances}. Not
 * thread-safe: one shard owns it. Removal through the iterators is not supported.
 */
final class Metadata extends AbstractMap<String, String> {
  private static final String[] NONE = new String[0];
  private String[] keys;
  private String[] values;
  private int size;

  Metadata(int capacity) {
    keys = capacity == 0 ? NONE : new String[capacity];
    values = capacity == 0 ? NONE : new String[capacity];
  }

  Metadata copy() {
    Metadata c = new Metadata(0);
    c.keys = Arrays.copyOf(keys, size);
    c.values = Arrays.copyOf(values, size);
    c.size = size;
    return c;
  }

  private int index(Object key) {
    return key instanceof String s ? Arrays.binarySearch(keys, 0, size, s) : -1;
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
    return i >= 0 ? values[i] : null;
  }

  @Override
  public String put(String key, String value) {
    int i = Arrays.binarySearch(keys, 0, size, key);
    if (i >= 0) {
      String old = values[i];
      values[i] = value;
      return old;
    }
    int at = -i - 1;
    if (size == keys.length) {
      int capacity = size + Math.max(2, size / 2);
      keys = Arrays.copyOf(keys, capacity);
      values = Arrays.copyOf(values, capacity);
    }
    System.arraycopy(keys, at, keys, at + 1, size - at);
    System.arraycopy(values, at, values, at + 1, size - at);
    keys[at] = Names.canonical(key);
    values[at] = value;
    size++;
    return null;
  }

  @Override
  public String remove(Object key) {
    int i = index(key);
    if (i < 0) {
      return null;
    }
    String old = values[i];
    System.arraycopy(keys, i + 1, keys, i, size - i - 1);
    System.arraycopy(values, i + 1, values, i, size - i - 1);
    size--;
    keys[size] = null;
    values[size] = null;
    return old;
  }

  @Override
  public void clear() {
    Arrays.fill(keys, 0, size, null);
    Arrays.fill(values, 0, size, null);
    size = 0;
  }

  @Override
  public void forEach(BiConsumer<? super String, ? super String> action) {
    for (int i = 0; i < size; i++) {
      action.accept(keys[i], values[i]);
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
            Map.Entry<String, String> entry = new SimpleImmutableEntry<>(keys[next], values[next]);
            next++;
            return entry;
          }
        };
      }
    };
  }
}
