package dev.connstate.store;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** The Lua scripts shipped in the jar under {@code lua/}. */
public final class Scripts {
  private Scripts() {
  }

  /** The text of {@code lua/<name>}; fails loudly if the jar lacks it. */
  public static String lua(String name) {
    String path = "/lua/" + name;
    try (InputStream in = Scripts.class.getResourceAsStream(path)) {
      if (in == null) {
        throw new IllegalStateException("the jar lacks " + path);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
